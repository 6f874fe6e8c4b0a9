"""A tampered or truncated schema cache file is detected and rebuilt, never used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from validator.load import load_bytes
from validator.schema import SchemaEngineName, SchemaSettings, validate_schemas

BAD_DEPLOYMENT = b"""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""


def _rules(cache: Path, engine: SchemaEngineName) -> list[tuple[str, int]]:
    documents = load_bytes(BAD_DEPLOYMENT, display_path="deploy.yaml").documents
    result = validate_schemas(documents, SchemaSettings(cache_dir=cache, engine=engine))
    return sorted((f.rule_id, f.location.line) for f in result.findings)


def _permissive(path: Path) -> None:
    path.write_text('{"type": "object"}')


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _emptied(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("engine", list(SchemaEngineName))
@pytest.mark.parametrize("tamper", [_permissive, _truncated, _emptied])
def test_tampered_cache_file_is_rebuilt_not_used(engine: SchemaEngineName,
                                                  tamper: Callable[[Path], None],
                                                  tmp_path: Path) -> None:
    assert _rules(tmp_path, engine) == [("schema/type", 5)]
    (cached,) = tmp_path.rglob("deployment-apps-v1.json")
    original = cached.read_bytes()
    tamper(cached)
    assert _rules(tmp_path, engine) == [("schema/type", 5)]
    assert cached.read_bytes() == original
