"""What identifies a finding across revisions: the fingerprint's parts and its hash.

A fingerprint must stay the same when a reviewer's everyday edits leave a problem
where it was (lines moving, reformatting, an item inserted before it in a list) and
change when the problem is another one. It hashes:

- the rule id;
- the file path (the comparison substitutes the head path of a renamed file);
- the resource identity: API group (not version), kind, name, and the namespace
  unless the object was rendered (overlays set their own namespaces);
- the *field key*: the field path with each item of a list of mappings that carry a
  string ``name`` (containers, volumes, env vars, ports...) written by that name
  (``containers[name='app']``) instead of its index;
- the message, normalised so that it carries no line numbers and no indexes.

Never the line, the column, the render targets or the severity. The guarantees and
their limits are in docs/fingerprints.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

#: Bump when the parts or their encoding change (SARIF's partialFingerprints key follows).
FINGERPRINT_VERSION = 2

_FILE_POSITION = re.compile(r"(\.(?:ya?ml|json|tpl|txt|rego|toml|tgz)):\d+(?::\d+)?\b")
_WORD_NUMBER = re.compile(r"\b(lines?|columns?|col|document|index|item)\s+\d+(?:\s*-\s*\d+)?\b",
                          re.IGNORECASE)
_INDEX = re.compile(r"\[\d+\]")
_POINTER_INDEX = re.compile(r"(?<=[A-Za-z_]/)\d+\b")
_ORDINAL = re.compile(r"#\d+\b")


def normalise_message(message: str) -> str:
    """``message`` without line numbers and list indexes, so that moves leave it unchanged.

    ``file.yaml:12:5`` loses its position, ``line 12`` (and ``lines``, ``column``,
    ``document``, ``index``, ``item``) becomes ``line #``, ``[3]`` becomes ``[]``, a JSON
    pointer's ``/containers/3/`` becomes ``/containers/*/`` and ``#3`` (an unnamed item)
    becomes ``#``. Values (``nginx:1.27``, ``replicas 3``) are left alone: they are part
    of what the problem is.
    """
    text = _FILE_POSITION.sub(r"\1", message)
    text = _WORD_NUMBER.sub(lambda m: f"{m.group(1)} #", text)
    text = _INDEX.sub("[]", text)
    text = _POINTER_INDEX.sub("*", text)
    return _ORDINAL.sub("#", text)


def _key_name(part: str, first: bool) -> str:
    if part.replace("_", "").replace("-", "").isalnum():
        return part if first else f".{part}"
    return f"[{part!r}]"


def field_key(body: object, field_path: Sequence[str | int]) -> str:
    """``field_path`` as text, each item of a named list written by its ``name``.

    Walks ``body`` along the path: an index into a list whose item is a mapping with a
    string ``name`` becomes ``[name='app']``; any other index stays ``[0]`` (also past
    the end of the data, which a finding about a missing field can point into).
    """
    out: list[str] = []
    node: object = body
    for part in field_path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            out.append(f"[name={name!r}]" if isinstance(name, str) else f"[{part}]")
            node = item
        else:
            out.append(_key_name(part, not out))
            node = node.get(part) if isinstance(node, Mapping) else None
    return "".join(out)


def api_group(api_version: str) -> str:
    """``apps`` for ``apps/v1``; empty for the core group (``v1``)."""
    return api_version.rpartition("/")[0]


def fingerprint_digest(parts: Sequence[str]) -> str:
    """16 hex digits of SHA-256 over ``parts`` joined by a unit separator.

    surrogateescape: a file name that is not UTF-8 (``os.fsdecode``) hashes as its raw bytes.
    """
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:16]
