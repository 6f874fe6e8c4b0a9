"""A document body as the JSON the API server would receive, for both engines alike.

YAML allows what JSON does not: non-string keys (``1:``, ``true:``), ``!!binary``
bytes, ``.nan`` and ``.inf``. Keys become strings and bytes become base64 text
(as YAML-to-JSON conversion does); NaN and infinities cannot be sent at all and
are reported as :class:`NotJsonError`.
"""

from __future__ import annotations

import base64
import json
from typing import Any


class NotJsonError(ValueError):
    """The body holds a value JSON cannot represent."""


def _default(value: object) -> object:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


_ENCODER = json.JSONEncoder(allow_nan=False, check_circular=False, default=_default)


def json_text(body: Any) -> str:
    """``body`` serialised as JSON; raises :class:`NotJsonError` for NaN or infinite numbers.

    Loaded documents are trees (the loader bounds alias expansion), so the encoder
    skips its circular-reference bookkeeping.
    """
    try:
        return _ENCODER.encode(body)
    except ValueError as exc:
        raise NotJsonError("contains .nan or .inf, which JSON (and so Kubernetes) cannot represent"
                      ) from exc

