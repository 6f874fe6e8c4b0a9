#!/usr/bin/env bash
# Build the Dockerfile for real and run the image tests (tests/image/, marked `image`).
# Called by `make image-test`, which .ci/run calls after the unit tests and the linters.
#
# No Docker engine and no registry are reachable here (docs/container.md): podman, runc
# and debootstrap come from Debian's packages (installed when missing; needs root), the
# base images are made locally (scripts/image-bases.sh, cached), and the build reuses
# the host's Go module and build caches, which `make setup` has just filled with the very
# same tool builds.
#
# Environment: IMAGE (default localhost/gitops-validator:image-test),
#              PYTHON (default .venv/bin/python), PYTEST_ARGS (extra pytest arguments).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
image=${IMAGE:-localhost/gitops-validator:image-test}
log() { echo "image-test: $*" >&2; }

missing=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "needs ${missing[*]} (apt-get install ${missing[*]}), or root to install them"; exit 2
  fi
  log "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mapfile -t bases < <(scripts/image-bases.sh)
python_image=${bases[0]} go_image=${bases[1]}

# The machine's kernel refuses podman's default ulimits: run without them.
conf_dir=$(mktemp -d)
trap 'rm -rf "$conf_dir"' EXIT
printf '[containers]\ndefault_ulimits = []\n' > "$conf_dir/containers.conf"
export CONTAINERS_CONF=$conf_dir/containers.conf

log "building $image (GO_IMAGE=$go_image PYTHON_IMAGE=$python_image)"
start=$(date +%s)
# --isolation=chroot: the default OCI runtime cannot create cgroups here. --network host
# and the host's CA bundle: registries are reached through a proxy only the host trusts.
podman build --isolation=chroot --cgroup-manager=cgroupfs --network host \
  -v /etc/ssl/certs:/etc/ssl/certs:ro \
  -v "$(go env GOMODCACHE)":/host-go/mod -v "$(go env GOCACHE)":/host-go/build \
  --build-arg GO_IMAGE="$go_image" --build-arg PYTHON_IMAGE="$python_image" \
  --build-arg GOMODCACHE=/host-go/mod --build-arg GOCACHE=/host-go/build \
  --tag "$image" . >&2
log "built $image in $(( $(date +%s) - start ))s"

start=$(date +%s)
# shellcheck disable=SC2086
GITOPS_VALIDATOR_IMAGE=$image "${PYTHON:-.venv/bin/python}" -m pytest -p no:cacheprovider -m image \
  tests/image ${PYTEST_ARGS:-}
log "image tests passed in $(( $(date +%s) - start ))s"
