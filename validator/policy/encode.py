"""Encoding the evaluation input as JSON that OPA accepts, whatever YAML produced.

YAML can yield values JSON has no form for: ``!!binary`` (bytes, sent base64 as
Kubernetes does), ``!!set`` (sent as a sorted list), keys that are not strings
(sent as text, as Kubernetes' YAML-to-JSON conversion does), and ``.nan``/``.inf``
(sent as the strings ``.nan``/``.inf``, since OPA refuses NaN). The fast path is one
``json.dumps``; the slow path runs only when such a value is present.

Each input is encoded on its own (:func:`encode_item`) so that a batch can be cut by
its size in bytes and re-assembled from parts (:func:`join_items`) without encoding
anything twice.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, dict):
        return {_key(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return key if isinstance(key, str) else str(key)


def encode_item(item: Any) -> bytes:
    """One JSON value (an entry of ``input.documents``) as compact UTF-8 JSON."""
    try:
        text = json.dumps(item, default=_default, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        text = json.dumps(_plain(item), default=_default, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8")


def join_items(items: Sequence[bytes]) -> bytes:
    """``{"input": {"documents": [items...]}}`` from items encoded by :func:`encode_item`."""
    return b'{"input":{"documents":[' + b",".join(items) + b"]}}"


def encode_input(documents: list[dict[str, Any]]) -> bytes:
    """``{"input": {"documents": documents}}`` as compact UTF-8 JSON."""
    return join_items([encode_item(document) for document in documents])
