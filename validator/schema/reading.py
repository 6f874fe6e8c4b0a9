"""Reading schemas and values from checked content with the loader's limits.

A JSON schema in a schema directory, a chart's ``values.schema.json`` or a values
file packed in a chart archive is checked content: it is parsed by the same loader
as manifests (size, nesting depth and alias-expansion limits), so a file nested a
thousand levels deep or a YAML bomb becomes a reason to refuse it, never a crash.
"""

from __future__ import annotations

from validator.load import LoadOptions, load_bytes

#: Loader findings that make a file unusable (the others, such as a missing ``kind``,
#: only say it is not a Kubernetes object, which a schema or values file never is).
_UNUSABLE = frozenset({"load/limit", "load/too-large", "load/syntax", "load/encoding",
                       "load/unreadable"})


_DATA = LoadOptions(data=True)


def parse_checked(data: bytes, *, display_path: str) -> object:
    """The first document of ``data`` (JSON when ``display_path`` ends in ``.json``, else
    YAML); ValueError naming the problem when the loader refuses it; None when empty."""
    loaded = load_bytes(data, display_path=display_path, options=_DATA)
    refused = [f for f in loaded.findings if f.rule_id in _UNUSABLE]
    if refused:
        raise ValueError(refused[0].message)
    return loaded.documents[0].body if loaded.documents else None
