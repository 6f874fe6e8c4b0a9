"""References in a chart's ``values.schema.json`` files, screened before helm reads them.

``helm template`` validates the values against the ``values.schema.json`` of the chart
and of every subchart, and its JSON-schema compiler resolves each ``$ref`` and
``$schema`` it meets: an ``http(s)`` URL is fetched, a ``file:`` or relative one is
read from the disk, outside the repository too. A schema of an untrusted chart may
reach neither, so every reference that leaves its document is a
``render/schema-reference`` finding on its line (on the archive for a packed
subchart) and the chart is not rendered. Allowed: references inside the document
(``#/$defs/port``) and the standard meta-schemas (JSON Schema drafts 4, 6, 7,
2019-09 and 2020-12), which helm knows without the network.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from validator.load.safety import LoadLimits
from validator.model import Engine, FieldPath, Finding, Location, Severity
from validator.render.sourcemap import parse_text

RULE = "render/schema-reference"
SCHEMA_FILE = "values.schema.json"
_REFERENCE_KEYS = ("$ref", "$dynamicRef", "$recursiveRef", "$schema")
#: Meta-schemas helm's compiler carries with it (http or https, ``#`` or not, vocabularies).
_KNOWN_META = re.compile(r"https?://json-schema\.org/(?:draft-0[467]/schema|"
                         r"draft/20(?:19-09|20-12)/(?:schema|meta/[a-z-]+))#?")
_ARCHIVES = (".tgz", ".tar.gz")
_NESTED_ARCHIVES = 4  # charts/a.tgz holding charts/b.tgz ...: deeper ones are refused


def schema_reference_findings(root: Path, inputs: Sequence[str], limits: LoadLimits, *,
                              chart: str) -> list[Finding]:
    """Findings for references leaving their schema in the chart's ``inputs``."""
    findings: list[Finding] = []
    for path in sorted(inputs):
        name = path.rsplit("/", 1)[-1]
        try:
            if name == SCHEMA_FILE and (root / path).is_file():
                if (root / path).stat().st_size > limits.max_file_bytes:
                    continue  # refused unread by the input screen
                text = (root / path).read_text(encoding="utf-8", errors="replace")
                findings += _file_findings(text, path, chart=chart)
            elif name.endswith(_ARCHIVES) and (root / path).is_file():
                findings += _archive_findings(root / path, path, limits, chart=chart)
        except OSError:
            continue  # helm reports an unreadable input with its own message
    return findings


def _file_findings(text: str, path: str, *, chart: str) -> list[Finding]:
    try:
        schema = json.loads(text)
    except ValueError:
        return []  # helm reports the syntax error itself
    except RecursionError:
        return [_finding(path, 1, "", chart=chart)]
    source = parse_text(text, path)
    return [_finding(path, source.locator.locate(0, field).line, value, chart=chart)
            for field, value in _leaving(schema, ())]


def _archive_findings(archive: Path, path: str, limits: LoadLimits, *, chart: str) -> list[Finding]:
    """One finding on a packed subchart per member schema reference that leaves it."""
    refused = []
    with archive.open("rb") as stream:
        members = list(_archive_schemas(stream, limits, depth=0, prefix=""))
    for member, text in members:
        if text is None:
            refused.append((member, ""))
            continue
        try:
            schema = json.loads(text)
        except ValueError:
            continue
        except RecursionError:
            refused.append((member, ""))
            continue
        refused += [(member, value) for _, value in _leaving(schema, ())]
    return [_finding(path, 0, value, chart=chart, member=member) for member, value in refused]


def _archive_schemas(stream: IO[bytes], limits: LoadLimits, *, depth: int,
                     prefix: str) -> Iterator[tuple[str, str | None]]:
    """(member, text) of every values.schema.json in a chart archive, nested ones included;
    text is None for an archive nested deeper than is screened."""
    try:
        with tarfile.open(fileobj=stream, mode="r:*") as archive:
            for member in archive:
                name = f"{prefix}{member.name}"
                if not member.isfile() or member.size > limits.max_file_bytes:
                    continue
                is_schema = member.name.rsplit("/", 1)[-1] == SCHEMA_FILE
                if not (is_schema or member.name.endswith(_ARCHIVES)):
                    continue
                if not is_schema and depth >= _NESTED_ARCHIVES:
                    yield name, None
                    continue
                extracted = archive.extractfile(member)
                content = extracted.read() if extracted is not None else b""
                if is_schema:
                    yield name, content.decode("utf-8", "replace")
                else:
                    yield from _archive_schemas(io.BytesIO(content), limits, depth=depth + 1,
                                                prefix=f"{name}!")
    except (tarfile.TarError, EOFError, OSError, ValueError):
        return  # helm reports a broken archive itself


def _leaving(node: Any, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    """(field path, reference) for each reference in ``node`` that leaves the document."""
    stack: list[tuple[Any, FieldPath]] = [(node, path)]
    while stack:  # iterative: a deeply nested schema must not exhaust the Python stack
        current, at = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key in _REFERENCE_KEYS and isinstance(value, str) and _leaves(value):
                    yield (*at, key), value
                stack.append((value, (*at, key)))
        elif isinstance(current, list):
            stack.extend((value, (*at, i)) for i, value in enumerate(current))


def _leaves(reference: str) -> bool:
    return not reference.startswith("#") and _KNOWN_META.fullmatch(reference) is None


def _finding(path: str, line: int, reference: str, *, chart: str, member: str = "") -> Finding:
    """A refused reference; an empty one: a schema nested too deeply to be screened.
    ``chart`` is the target, so that value sets of one chart share one finding."""
    where = f" (in {member})" if member else ""
    if not reference:
        message = (f"values schema{where} nested too deeply to screen for references that "
                   "would make helm fetch or read files; the chart is not rendered")
    else:
        shown = reference if len(reference) <= 200 else reference[:200] + "..."
        message = (f"schema reference {shown!r}{where} refused: it leaves the schema document, "
                   "and helm would fetch or read it (rendering uses no network and reads no "
                   "file outside the chart); define it under $defs and refer to '#/$defs/...'; "
                   "the chart is not rendered")
    return Finding(rule_id=RULE, severity=Severity.ERROR, engine=Engine.RENDER,
                   location=Location(path=path, line=line), message=message, target=chart)
