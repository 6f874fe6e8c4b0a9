# syntax=docker/dockerfile:1
# The gitops-validator GitHub Action image (docs/container.md).
#
# Three stages: the pinned Go tools of tools.lock built with scripts/install-tools.sh
# (the same script as `make setup`); the Python package's wheel installed into /opt/venv; a
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
    GITOPS_VALIDATOR_NO_TEST_TOOLS=1 scripts/install-tools.sh && /opt/tools/opa version >/dev/null

FROM ${PYTHON_IMAGE} AS venv
# The package is built into a wheel and installed from it, as `pip install gitops-validator`
# installs it: the bundled policy library (`policies: [builtin]`), tools.lock and the config
# schema are package data (validator/data/), so the runtime needs /opt/venv and nothing else.
WORKDIR /src
RUN python3 -m venv /opt/venv
# Dependencies first, in a layer that only pyproject.toml invalidates: installed with an
# empty placeholder package, which is uninstalled again (its dependencies stay).
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    mkdir validator && touch validator/__init__.py README.md \
    && /opt/venv/bin/pip install --disable-pip-version-check --quiet '.[github,gitlab,app,redis]' \
    && /opt/venv/bin/pip uninstall --disable-pip-version-check --quiet --yes gitops-validator \
    && rm -rf validator build README.md ./*.egg-info
COPY README.md tools.lock ./
COPY validator validator
# validator/data/policies, tools.lock and config.schema.json link to these; the wheel holds
# copies of the files.
COPY policies policies
COPY schemas schemas
# pip compiles the bytecode as it installs. The last line fails the build when the wheel
# lacks the policy library.
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/venv/bin/pip wheel --disable-pip-version-check --quiet --no-deps -w /tmp/dist . \
    && /opt/venv/bin/pip install --disable-pip-version-check --quiet --no-deps /tmp/dist/*.whl \
    && rm -rf /tmp/dist \
    && cd / && /opt/venv/bin/gitops-validator --help >/dev/null \
    && /opt/venv/bin/python -c 'from validator.policy.library import library_dir; library_dir()'

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
ENV PATH=/opt/venv/bin:/opt/tools:$PATH \
    GITOPS_VALIDATOR_TOOLS_DIR=/opt/tools \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 1001:1001
WORKDIR /github/workspace
ENTRYPOINT ["gitops-validator", "action"]
