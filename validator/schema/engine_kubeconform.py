"""The kubeconform schema engine: the real binary, offline, on the same schema files.

Documents are written as JSON into a few multi-document files, never two with the
same signature (kind, apiVersion, name) in one file, so each result of ``-verbose``
maps back to exactly one document; kubeconform reads the schema files that
:class:`~validator.schema.catalog.SchemaCatalog` prepared, through the same
location templates the in-process engine uses; its messages are parsed by
:mod:`validator.schema.kubeconform_errors`.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.errors import SchemaError
from validator.load import Document
from validator.process import Command, run
from validator.sandbox import DEFAULT_MEMORY_LIMIT
from validator.schema.catalog import SchemaCatalog
from validator.schema.jsonvalue import NotJsonError, json_text
from validator.schema.kubeconform_errors import parse_causes
from validator.schema.violations import Violation
from validator.tools import Tool, require_tool

_LOGGER = logging.getLogger(__name__)



@dataclass(frozen=True, kw_only=True)
class KubeconformOutcome:
    """What kubeconform said about one document (or why it was not asked)."""

    violations: tuple[Violation, ...] = ()
    """Schema violations (status ``statusInvalid``)."""
    error: str = ""
    """kubeconform's message for status ``statusError`` (empty otherwise)."""


def kubeconform_command(catalog: SchemaCatalog, files: Sequence[str], *, jobs: int,
                        group: int = 0) -> Command:
    """The kubeconform invocation for ``files`` with the catalog's settings and the locations
    of custom folder ``group``."""
    settings = catalog.settings
    args = [str(require_tool(Tool.KUBECONFORM)), "-output", "json", "-summary", "-verbose",
            "-kubernetes-version", f"{catalog.version}.0", "-n", str(max(1, jobs))]
    for location in catalog.locations_for(group):
        args += ["-schema-location", location.template()]
    if settings.strict:
        args.append("-strict")
    if settings.ignore_missing_schemas:
        args.append("-ignore-missing-schemas")
    if settings.skip_kinds:
        args += ["-skip", ",".join(sorted(settings.skip_kinds))]
    if settings.reject_kinds:
        args += ["-reject", ",".join(sorted(settings.reject_kinds))]
    return Command(args=(*args, *files), ok_codes=frozenset({0, 1}), timeout=600)


def run_kubeconform(catalog: SchemaCatalog, documents: Sequence[Document], *, jobs: int,
                    group: int = 0) -> list[KubeconformOutcome]:
    """Validate ``documents`` with kubeconform; one outcome per document, in order.

    Documents go into a few multi-document files, enough to keep ``jobs`` workers
    busy. kubeconform's workers finish in any order, so each file holds at most one
    document per (kind, apiVersion, name) as kubeconform reports them: a result maps
    back by its file and that signature.
    """
    outcomes = [KubeconformOutcome() for _ in documents]
    shared: list[dict[tuple[str, str, str], tuple[int, str]]] = [
        {} for _ in range(max(1, jobs) * 4)]
    alone: list[dict[tuple[str, str, str], tuple[int, str]]] = []
    for number, document in enumerate(documents):
        try:
            text = json_text(document.body)
        except NotJsonError as exc:
            outcomes[number] = KubeconformOutcome(error=str(exc))
            continue
        key = signature(document.body)
        start = number % len(shared)
        batch = None if key is None else next(
            (b for b in shared[start:] + shared[:start] if key not in b), None)
        if batch is None:  # alone in its file: its result maps back by file name alone
            batch = {}
            alone.append(batch)
        batch[key or ("", "", "")] = (number, text)
    batches = shared + alone
    batches = [batch for batch in batches if batch]
    if not batches:
        return outcomes
    with tempfile.TemporaryDirectory(prefix="gitops-validator-kubeconform-") as temp:
        names = []
        for position, batch in enumerate(batches):
            names.append(f"{position}.yaml")
            Path(temp, names[-1]).write_text(
                "".join(f"---\n{text}\n" for _, text in batch.values()), encoding="utf-8")
        command = kubeconform_command(catalog, names, jobs=jobs, group=group)
        result = run(Command(args=command.args, cwd=Path(temp), ok_codes=command.ok_codes,
                             timeout=command.timeout, memory_limit=DEFAULT_MEMORY_LIMIT,
                             isolate_network=True))
    try:
        report = json.loads(result.stdout)
    except ValueError as exc:
        raise SchemaError(f"kubeconform printed no JSON report: {result.stderr[-500:]}") from exc
    reported = 0
    for entry in report.get("resources") or []:
        key = (str(entry.get("kind")), str(entry.get("version")), str(entry.get("name")))
        batch = batches[int(Path(entry["filename"]).stem)]
        found = next(iter(batch.values())) if len(batch) == 1 else batch.get(key)
        if found is None:
            raise SchemaError(f"kubeconform reported an unknown resource: {entry}")
        outcomes[found[0]] = _outcome(entry, documents[found[0]])
        reported += 1
    if reported != sum(map(len, batches)):
        raise SchemaError(f"kubeconform reported {reported} results for "
                          f"{sum(map(len, batches))} documents")
    return outcomes


def signature(body: Any) -> tuple[str, str, str] | None:
    """(kind, apiVersion, name) as kubeconform's report names a resource.

    None when that is not certain (a name that is not a string): such a document
    gets a file of its own.
    """
    kind, api_version = body.get("kind"), body.get("apiVersion")
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name, generate = metadata.get("name", ""), metadata.get("generateName", "")
    if not all(isinstance(v, str) for v in (kind, api_version, name, generate)):
        return None
    return kind, api_version, f"{generate}{{{{ generateName }}}}" if generate else name


def _outcome(entry: dict[str, Any], document: Document) -> KubeconformOutcome:
    status, message = entry.get("status"), str(entry.get("msg", ""))
    if status == "statusInvalid":
        return KubeconformOutcome(violations=tuple(parse_causes(message, document.body)))
    if status == "statusError":
        return KubeconformOutcome(error=message)
    return KubeconformOutcome()
