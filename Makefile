# Everything a newcomer needs: `make example` and `make test` both set up first.
.PHONY: setup services example test lint typecheck check-all bench clean image-test crd-schemas

VENV := .venv/bin
PYTEST_ARGS ?=

setup:
	@scripts/setup.sh

## Run the validator on the bundled example repository (findings are expected: exit code 1).
example: setup
	@$(VENV)/gitops-validator check examples/ || test $$? -eq 1

## Programs the tests start on loopback (Redis, Chromium + chromedriver), installed when missing.
services:
	@scripts/services.sh

## The whole test suite (real opa, helm, kustomize, kubeconform and conftest).
test: setup services
	$(VENV)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: setup
	$(VENV)/ruff check validator tests benchmarks
	$(VENV)/mypy

## Build the Dockerfile with podman and run the image tests (tests/image/; docs/container.md).
image-test: setup
	scripts/image-test.sh

## Regenerate the bundled CRD schemas (schemas/crds/, SOURCES.md) from the projects' pinned Go
## API modules with controller-gen: needs Go and the Go module proxy (docs/schemas.md).
crd-schemas: setup
	$(VENV)/python scripts/crd_schemas.py

bench: setup
	$(VENV)/python -m benchmarks.bench_schema
	$(VENV)/python -m benchmarks.bench_policy
	$(VENV)/python -m benchmarks.bench_render
	$(VENV)/python -m benchmarks.bench_scale
	$(VENV)/python -m benchmarks.bench_diff --runs 3
	$(VENV)/python -m benchmarks.bench_action

clean:
	rm -rf .venv .tools .cache .pytest_cache .mypy_cache .ruff_cache
