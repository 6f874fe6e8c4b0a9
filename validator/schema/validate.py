"""The schema stage: every document checked against its Kubernetes or CRD schema by one engine.

Order of decisions per document, the same for both engines (and as kubeconform
takes them): no ``kind``/``apiVersion`` -> ignored here (the loader reported it);
``skip_kinds`` -> skipped; ``reject_kinds`` -> ``schema/rejected-kind``; a built-in API the
Kubernetes version no longer serves -> ``schema/removed-api`` (even with
``ignore_missing_schemas``); a schema on offer that refers outside itself ->
``schema/error`` (the reference itself is a ``schema/remote-reference`` finding on
its line); no schema -> ``schema/missing`` (or skipped with
``ignore_missing_schemas``); otherwise the engine's violations become findings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import assert_never

from validator.errors import SchemaError
from validator.load import Document
from validator.model import Engine, Finding, Severity, Skipped
from validator.schema.catalog import SchemaCatalog
from validator.schema.engine_builtin import BuiltinEngine
from validator.schema.engine_kubeconform import run_kubeconform
from validator.schema.jsonvalue import NotJsonError
from validator.schema.removed import removed_api, removed_message
from validator.schema.settings import SchemaEngineName, SchemaResult, SchemaSettings
from validator.schema.violations import violation_findings

_LOGGER = logging.getLogger(__name__)


#: Progress callback: (documents done, documents in all).
Progress = Callable[[int, int], None]
#: How many documents the in-process engine checks between two progress reports.
PROGRESS_STEP = 64


def validate_schemas(documents: Sequence[Document], settings: SchemaSettings, *,
                     progress: Progress | None = None) -> SchemaResult:
    """Check ``documents`` against their schemas; see the module docstring for the rules."""
    with SchemaCatalog(settings) as catalog:
        catalog.add_crds(documents)
        return validate_with_catalog(documents, catalog, progress=progress)


Todo = list[tuple[Document, Path, int]]
"""Documents to check: (document, schema file, custom folder of the catalog)."""


def validate_with_catalog(documents: Sequence[Document], catalog: SchemaCatalog, *,
                          progress: Progress | None = None) -> SchemaResult:
    """:func:`validate_schemas` with a catalog the caller owns (tests reuse its files)."""
    settings = catalog.settings
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    todo: Todo = []
    candidates = [d for d in documents if d.kind and d.api_version]
    listed = settings.skip_kinds | settings.reject_kinds
    wanted = [d for d in candidates if not (listed and _listed(d, listed))]
    resolutions = dict(zip(map(id, wanted), catalog.prepare_documents(wanted), strict=True))
    for document in candidates:
        resolution = resolutions.get(id(document))
        if settings.skip_kinds and _listed(document, settings.skip_kinds):
            skipped.append(Skipped(path=_where(document),
                                   reason=f"{document.kind} is in the skipped kinds (--skip-kinds)",
                                   unit="resource", group="not schema-checked: --skip-kinds"))
        elif settings.reject_kinds and _listed(document, settings.reject_kinds):
            findings.append(_finding(document, "schema/rejected-kind",
                                     f"{document.kind} objects are rejected here (--reject-kinds)", catalog))
        elif removed := removed_api(document.kind, document.api_version, catalog.version):
            findings.append(_finding(document, "schema/removed-api", removed_message(
                document.kind, document.api_version, removed, catalog.version), catalog))
        elif resolution is not None and resolution.refused:
            findings.append(_finding(document, "schema/error", resolution.refused, catalog))
        elif resolution is None or resolution.schema is None:
            message = (f"no schema for {document.kind} {document.api_version} in Kubernetes "
                       f"{catalog.version}")
            if settings.ignore_missing_schemas:
                skipped.append(Skipped(path=_where(document), reason=message, unit="resource",
                                       group="not schema-checked: no schema"))
            else:
                findings.append(_finding(document, "schema/missing", message, catalog))
        else:
            todo.append((document, resolution.schema, resolution.group))
    findings += _run_engine(todo, catalog, _offset(progress, len(documents) - len(todo),
                                                   len(documents)))
    findings += catalog.findings
    findings += catalog.conflicts()
    return SchemaResult(findings=tuple(findings), skipped=tuple(skipped), checked=len(todo))


def _offset(progress: Progress | None, done: int, total: int) -> Progress | None:
    """``progress`` for the engine's share: documents decided before it count as done."""
    if progress is None:
        return None
    return lambda engine_done, _engine_total: progress(done + engine_done, total)


def _run_engine(todo: Todo, catalog: SchemaCatalog,
                progress: Progress | None = None) -> list[Finding]:
    engine = catalog.settings.engine
    findings: list[Finding] = []
    match engine:
        case SchemaEngineName.BUILTIN:
            builtin = BuiltinEngine()
            for count, (document, schema, _) in enumerate(todo, start=1):
                if progress is not None and count % PROGRESS_STEP == 0:
                    progress(count, len(todo))
                try:
                    violations = builtin.violations(document, schema)
                except (NotJsonError, SchemaError) as exc:  # a value JSON cannot hold, a bad schema
                    message = str(exc).splitlines()[0]
                    findings.append(_finding(document, "schema/error", message, catalog))
                    continue
                findings += violation_findings(document, violations, Engine.SCHEMA)
        case SchemaEngineName.KUBECONFORM:
            for group in range(catalog.groups):  # one run per custom folder
                documents = [document for document, _, g in todo if g == group]
                if documents:
                    findings += _kubeconform_findings(catalog, documents, group)
        case _:
            assert_never(engine)
    return findings


def _kubeconform_findings(catalog: SchemaCatalog, documents: list[Document], group: int
                          ) -> list[Finding]:
    findings: list[Finding] = []
    outcomes = run_kubeconform(catalog, documents, jobs=catalog.settings.jobs, group=group)
    for document, outcome in zip(documents, outcomes, strict=True):
        findings += violation_findings(document, outcome.violations, Engine.KUBECONFORM)
        if outcome.error:
            findings.append(_finding(document, "schema/error", outcome.error, catalog,
                                     engine=Engine.KUBECONFORM))
    return findings


def _where(document: Document) -> str:
    return f"{document.path}:{document.locate(()).line}"


def _listed(document: Document, kinds: frozenset[str]) -> bool:
    return document.kind in kinds or f"{document.api_version}/{document.kind}" in kinds


def _finding(document: Document, rule: str, message: str, catalog: SchemaCatalog, *,
             engine: Engine | None = None) -> Finding:
    if engine is None:
        engine = (Engine.KUBECONFORM if catalog.settings.engine is SchemaEngineName.KUBECONFORM
                  else Engine.SCHEMA)
    return Finding(rule_id=rule, severity=Severity.ERROR, message=message,
                   location=document.locate(()), engine=engine, resource=document.resource,
                   target=document.target)
