#!/usr/bin/env bash
# The programs the tests start on loopback, from Debian's packages when missing: Redis for
# the webhook app's distributed queue, Chromium and its driver for the details page's browser
# test. Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
for pair in redis-server:redis-server chromium:chromium chromedriver:chromium-driver; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "services: the tests need ${missing[*]}: install them (apt-get install ${missing[*]})" >&2
    exit 2
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "services: the tests need ${missing[*]} (Debian package names); install them with your package manager" >&2
  exit 2
fi
echo "services: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null \
  || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null; }
