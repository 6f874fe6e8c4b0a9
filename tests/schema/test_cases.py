"""Case directories run through both engines and through the kubeconform binary directly.

Each ``cases/<case>/`` holds ``input.yaml`` (plus an optional ``schemas/`` folder used
as a schema directory) and ``expected.yaml``: the settings, the overall verdict, the
load and schema rule ids, lines of some findings, and the verdict per resource
(``Kind/name: valid|invalid|skipped``) that kubeconform itself must also give.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from validator.load import Document, LoadOptions, LoadResult, load_file
from validator.model import Finding, Severity
from validator.process import Command, run
from validator.schema import (
    SchemaCatalog,
    SchemaEngineName,
    SchemaResult,
    SchemaSettings,
    validate_with_catalog,
)
from validator.tools import Tool, require_tool

CASES = Path(__file__).parent / "cases"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "expected.yaml").is_file())


@dataclass(frozen=True, kw_only=True)
class Case:
    name: str
    folder: Path
    expected: dict[str, Any]
    settings: SchemaSettings


def load_case(name: str, cache: Path) -> Case:
    folder = CASES / name
    expected = yaml.safe_load((folder / "expected.yaml").read_text())
    raw = expected.get("settings") or {}
    settings = SchemaSettings(
        strict=raw.get("strict", False),
        ignore_missing_schemas=raw.get("ignore_missing_schemas", False),
        skip_kinds=frozenset(raw.get("skip_kinds", ())),
        reject_kinds=frozenset(raw.get("reject_kinds", ())),
        schema_dirs=(folder / "schemas",) if (folder / "schemas").is_dir() else (),
        cache_dir=cache,
    )
    return Case(name=name, folder=folder, expected=expected, settings=settings)


@pytest.fixture(scope="session")
def schema_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema-cache")


def spans(documents: tuple[Document, ...]) -> list[tuple[int, Document]]:
    """(first line, document) of each document, in file order."""
    return sorted(((d.locate(()).line, d) for d in documents), key=lambda item: item[0])


def our_verdicts(loaded: LoadResult, result: SchemaResult) -> dict[str, str]:
    """``Kind/name -> valid|invalid|skipped`` from load and schema findings."""
    verdicts: dict[str, str] = {}
    starts = spans(loaded.documents)
    skipped = {s.path for s in result.skipped}
    for position, (line, document) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else 10**9
        key = f"{document.kind}/{document.resource.name}"
        errors = [f for f in result.findings if f.resource == document.resource
                  and f.severity is Severity.ERROR]
        errors += [f for f in loaded.findings if line <= f.location.line < end]
        if errors:
            verdicts[key] = "invalid"
        elif f"{document.path}:{line}" in skipped:
            verdicts[key] = "skipped"
        else:
            verdicts[key] = "valid"
    return verdicts


def kubeconform_verdicts(catalog: SchemaCatalog, input_file: Path) -> tuple[bool, dict[str, str]]:
    """(file valid, ``Kind/name -> verdict``) from the kubeconform binary run directly."""
    settings = catalog.settings
    args = [str(require_tool(Tool.KUBECONFORM)), "-output", "json", "-verbose",
            "-kubernetes-version", f"{catalog.version}.0"]
    for location in catalog.locations:
        args += ["-schema-location", location.template()]
    args += ["-strict"] if settings.strict else []
    args += ["-ignore-missing-schemas"] if settings.ignore_missing_schemas else []
    args += ["-skip", ",".join(settings.skip_kinds)] if settings.skip_kinds else []
    args += ["-reject", ",".join(settings.reject_kinds)] if settings.reject_kinds else []
    result = run(Command(args=(*args, str(input_file)), ok_codes=frozenset({0, 1})))
    statuses = {"statusValid": "valid", "statusSkipped": "skipped"}
    verdicts = {f"{r['kind']}/{r['name']}": statuses.get(r["status"], "invalid")
                for r in json.loads(result.stdout)["resources"]}
    return result.returncode == 0, verdicts


def schema_files(case: Case) -> list[Path]:
    """The files of the case's schema directory."""
    return list((case.folder / "schemas").rglob("*.json"))


def run_case(case: Case, engine: SchemaEngineName) -> Iterator[tuple[str, object, object]]:
    """(what, ours, expected) pairs to compare for one engine."""
    settings = SchemaSettings(**{**case.settings.__dict__, "engine": engine})
    input_file = case.folder / "input.yaml"
    loaded = load_file(input_file, display_path=f"{case.name}/input.yaml",
                       options=LoadOptions(strict=settings.strict))
    with SchemaCatalog(settings) as catalog:
        catalog.add_crds(loaded.documents)
        result = validate_with_catalog(loaded.documents, catalog)
        binary_valid, binary = kubeconform_verdicts(catalog, input_file)
    expected = case.expected
    findings: list[Finding] = [*loaded.findings, *result.findings]
    ours_valid = not any(f.severity is Severity.ERROR for f in findings)
    yield "overall verdict", ours_valid, expected["valid"]
    yield "kubeconform binary verdict", binary_valid, expected["valid"]
    yield "load rules", sorted({f.rule_id for f in loaded.findings}), sorted(expected["load"])
    yield "schema rules", sorted({f.rule_id for f in result.findings}), sorted(expected["schema"])
    for rule, lines in (expected.get("lines") or {}).items():
        found = sorted({f.location.line for f in result.findings if f.rule_id == rule})
        yield f"lines of {rule}", found, sorted(lines)
    ours = our_verdicts(loaded, result)
    for key, verdict in (expected.get("resources") or {}).items():
        yield f"{key} (ours)", ours.get(key), verdict
        yield f"{key} (kubeconform binary)", binary.get(key), verdict
    yield "skipped", len(result.skipped), expected.get("skipped", 0)
    for finding in result.findings:  # on the input, or on a schema file of the case
        assert finding.location.path in (f"{case.name}/input.yaml", *map(str, schema_files(case)))
        assert finding.location.line > 0, finding


@pytest.mark.parametrize("engine", list(SchemaEngineName))
@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(name: str, engine: SchemaEngineName, schema_cache: Path) -> None:
    case = load_case(name, schema_cache)
    mismatches = [(what, ours, want) for what, ours, want in run_case(case, engine)
                  if ours != want]
    assert not mismatches, f"{name} ({engine}): " + "; ".join(
        f"{what}: got {ours!r}, expected {want!r}" for what, ours, want in mismatches)


def test_engines_report_identical_findings(schema_cache: Path) -> None:
    """Beyond verdicts: both engines give the same rule, line and message for every case."""
    for name in CASE_NAMES:
        case = load_case(name, schema_cache)
        loaded = load_file(case.folder / "input.yaml", display_path="input.yaml",
                           options=LoadOptions(strict=case.settings.strict))
        seen = []
        for engine in SchemaEngineName:
            settings = SchemaSettings(**{**case.settings.__dict__, "engine": engine})
            with SchemaCatalog(settings) as catalog:
                catalog.add_crds(loaded.documents)
                result = validate_with_catalog(loaded.documents, catalog)
            seen.append(sorted(  # schema/error messages are each engine's own words
                (f.rule_id, f.location.line, f.location.column,
                 "" if f.rule_id == "schema/error" else f.message) for f in result.findings))
        assert seen[0] == seen[1], name
