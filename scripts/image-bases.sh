#!/usr/bin/env bash
# Make the two local base images the Dockerfile is built from where no registry can be
# reached (see docs/container.md): a Debian bookworm rootfs made by debootstrap with
# Python 3.11 and git (the runtime base, standing in for python:3.11-slim-bookworm), and
# the same rootfs with this machine's own Go root copied in (the builder base, standing
# in for golang:1.26-bookworm: bookworm's own Go is too old for the pinned tools).
# Cached: an image that already exists is not made again (remove it to force).
# Prints nothing on stdout but the two image names, one per line (python, then go).
# Usage: scripts/image-bases.sh
set -euo pipefail

python_image=localhost/gitops-validator-base-python:bookworm
go_version=$(go env GOVERSION)
go_image=localhost/gitops-validator-base-go:${go_version#go}-bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { echo "image-bases: $*" >&2; }
exists() { podman image exists "$1"; }

if exists "$python_image" && exists "$go_image"; then
  log "$python_image and $go_image already exist"
  printf '%s\n%s\n' "$python_image" "$go_image"
  exit 0
fi

work=$(mktemp -d /var/tmp/gitops-validator-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

start=$(date +%s)
log "debootstrap bookworm (minbase, python3, python3-venv, ca-certificates, git) from $mirror"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,git \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }
# As the public slim images: no package lists or caches left in the image.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
log "rootfs made in $(( $(date +%s) - start ))s"

base_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if ! exists "$python_image"; then
  tar -C "$rootfs" -c . | podman import --change "ENV PATH=$base_path" \
    --change 'CMD ["/bin/bash"]' - "$python_image" >/dev/null
  log "made $python_image"
fi
if ! exists "$go_image"; then
  goroot=$(go env GOROOT)
  mkdir -p "$rootfs/usr/local/go" "$rootfs/go"
  cp -a "$goroot/." "$rootfs/usr/local/go/"
  tar -C "$rootfs" -c . | podman import \
    --change "ENV PATH=/go/bin:/usr/local/go/bin:$base_path" --change 'ENV GOPATH=/go' \
    --change 'ENV GOTOOLCHAIN=local' --change 'CMD ["/bin/bash"]' - "$go_image" >/dev/null
  log "made $go_image (Go root copied from $goroot)"
fi
printf '%s\n%s\n' "$python_image" "$go_image"
