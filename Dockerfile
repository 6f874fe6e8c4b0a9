# syntax=docker/dockerfile:1
# The gitops-validator GitHub Action image (docs/container.md).
#
# Three stages: the pinned Go tools of tools.lock built with scripts/install-tools.sh
# (the same script as `make setup`); the Python package installed into /opt/venv; a
# slim runtime with git, both copied in, running as a non-root user. Nothing is
# fetched at run time: the tools, the Kubernetes schemas (the kubernetes-validate
# package) and the policy library are all in the image.
#
# The base images are build arguments so that the same file builds on GitHub (the
# public defaults) and where no registry is reachable (scripts/image-bases.sh makes
# local stand-ins). The venv stage and the runtime must use the same PYTHON_IMAGE:
# the venv links to that image's interpreter.
ARG GO_IMAGE=golang:1.26-bookworm
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${GO_IMAGE} AS tools
# Where Go keeps modules and build results. The cache mounts below keep them between
# builds; a build can point them elsewhere instead (scripts/image-test.sh points them
# at the host's caches, which `make setup` has just filled with the same builds).
ARG GOMODCACHE=/go/pkg/mod
ARG GOCACHE=/root/.cache/go-build
ENV GITOPS_VALIDATOR_TOOLS_DIR=/opt/tools
WORKDIR /src
COPY tools.lock ./
COPY scripts/install-tools.sh scripts/
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    scripts/install-tools.sh && /opt/tools/opa version >/dev/null

FROM ${PYTHON_IMAGE} AS venv
# The package is installed in place from /opt/gitops-validator (as `make setup` installs
# it), because the bundled policy library (policies/, `policies: [builtin]`) and
# tools.lock are found beside the package's source folder, not inside it.
WORKDIR /opt/gitops-validator
RUN python3 -m venv /opt/venv
# Dependencies first, in a layer that only pyproject.toml invalidates: the package is
# installed in place around an empty placeholder, which the source then replaces (an
# in-place install maps the package to this folder, so nothing is installed again).
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    mkdir validator && touch validator/__init__.py README.md \
    && /opt/venv/bin/pip install --disable-pip-version-check --quiet -e '.[github]' \
    && rm -rf validator build
COPY README.md tools.lock ./
COPY validator validator
COPY policies policies
# validator/data/config.schema.json links to schemas/config.schema.json.
COPY schemas schemas
RUN /opt/venv/bin/python -m compileall -q validator \
    && /opt/venv/bin/gitops-validator --help >/dev/null

FROM ${PYTHON_IMAGE}
# git: the action reads the pull request's base and head commits from the workspace.
# (The local stand-in base already has it; the public slim image does not.)
RUN if ! command -v git >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
      && rm -rf /var/lib/apt/lists/*; \
    fi
# GitHub runs container actions with the workspace mounted at /github/workspace. On
# GitHub-hosted runners it belongs to uid 1001 (this image's user); on self-hosted runners
# and in `docker run -v` it may belong to someone else, and git refuses a repository owned
# by another user ("detected dubious ownership"). The system gitconfig trusts the
# workspace folder (and, for other mount points, see docs/container.md).
RUN git config --system --add safe.directory /github/workspace \
    && groupadd --gid 1001 validator \
    && useradd --uid 1001 --gid 1001 --create-home --shell /bin/sh validator
COPY --from=tools /opt/tools /opt/tools
COPY --from=venv /opt/venv /opt/venv
COPY --from=venv /opt/gitops-validator /opt/gitops-validator
ENV PATH=/opt/venv/bin:/opt/tools:$PATH \
    GITOPS_VALIDATOR_TOOLS_DIR=/opt/tools \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 1001:1001
WORKDIR /github/workspace
ENTRYPOINT ["gitops-validator", "action"]
