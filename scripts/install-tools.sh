#!/usr/bin/env bash
# Install the pinned Go tools of tools.lock into .tools/bin with `go install`.
# Idempotent: a tool whose stamp matches its pin is not rebuilt.
# Usage: scripts/install-tools.sh [NAME ...]   (default: every tool in tools.lock)
# GITOPS_VALIDATOR_NO_TEST_TOOLS=1 leaves out the tools marked `test` (the image does).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="${GITOPS_VALIDATOR_TOOLS_DIR:-$root/.tools/bin}"
mkdir -p "$bin"

if ! command -v go >/dev/null 2>&1; then
  echo "install-tools: Go is required to build the pinned tools (https://go.dev/doc/install)" >&2
  exit 2
fi

# The version string each tool reports is set at link time, as its own release build does.
ldflags_for() {
  local name=$1 version=$2
  case "$name" in
    helm)        echo "-X helm.sh/helm/v3/internal/version.version=$version -X helm.sh/helm/v3/internal/version.metadata=" ;;
    kubeconform) echo "-X main.version=$version" ;;
    conftest)    echo "-X github.com/open-policy-agent/conftest/internal/version.Version=${version#v}" ;;
    opa)         echo "" ;;
    kustomize)   echo "" ;;
  esac
}

wanted=("$@")
while read -r name package version scope; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ "${scope%%#*}" = test ] && [ -n "${GITOPS_VALIDATOR_NO_TEST_TOOLS:-}" ]; then continue; fi
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  stamp="$bin/.$name.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$package@$version" ]; then
    echo "install-tools: $name $version already installed"
    continue
  fi
  echo "install-tools: building $name $version (go install $package@$version)..."
  start=$(date +%s)
  GOBIN="$bin" GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install -trimpath -ldflags="-s -w $(ldflags_for "$name" "$version")" "$package@$version"
  echo "$package@$version" > "$stamp"
  echo "install-tools: $name $version installed in $(( $(date +%s) - start ))s"
done < "$root/tools.lock"
