"""Encoding the evaluation input as JSON that OPA accepts, whatever YAML produced.

YAML can yield values JSON has no form for: ``!!binary`` (bytes, sent base64 as
Kubernetes does), ``!!set`` (sent as a sorted list), keys that are not strings
(sent as text, as Kubernetes' YAML-to-JSON conversion does), and ``.nan``/``.inf``
(sent as the strings ``.nan``/``.inf``, since OPA refuses NaN). The fast path is one
``json.dumps``; the slow path runs only when such a value is present.
"""

from __future__ import annotations

import base64
import json
import math
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


def encode_input(documents: list[dict[str, Any]]) -> bytes:
    """``{"input": {"documents": documents}}`` as compact UTF-8 JSON."""
    payload = {"input": {"documents": documents}}
    try:
        text = json.dumps(payload, default=_default, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        text = json.dumps(_plain(payload), default=_default, allow_nan=False,
                          separators=(",", ":"))
    return text.encode("utf-8")
