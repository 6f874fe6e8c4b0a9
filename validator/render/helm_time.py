"""Times a chart takes from the clock (``now``), replaced by one fixed time of the same format.

Two renders a moment apart differ only in the last digits of a time, so the
comparison of :mod:`validator.render.helm_random` alone would leave the date and
the minutes in place, and tomorrow's run would print other bytes. For charts whose
templates call a time function, every time written in a string that lies within
two days of the clock is replaced first by ``2000-01-01 00:00:00`` in the same
format: the date, the time of day (fractions become nine zeros, Go's monotonic
``m=+0.0123`` becomes ``m=+0.000000000``) and Unix seconds (``946684800``). A time
further from the clock (a date written in the chart or its values) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

FIXED_DATE = "2000-01-01"
FIXED_EPOCH = 946684800
_WINDOW = timedelta(days=2)
_TIME = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})(?P<clock>[T ]\d{2}:\d{2}(?::\d{2})?)?"
                   r"(?P<fraction>\.\d+)?(?P<rest>(?:Z|\s?[+-]\d{2}:?\d{2})?(?:\s[A-Z]{2,5})?)"
                   r"(?P<monotonic>\sm=[+-]\d+\.\d+)?")
_EPOCH = re.compile(r"^\d{10}$")
_MAX_TEXT = 1 << 20


def fixed_times(body: Any, *, clock: datetime) -> Any:
    """``body`` with the times near ``clock`` replaced (the same object when there are none)."""
    if isinstance(body, Mapping):
        items = {key: fixed_times(value, clock=clock) for key, value in body.items()}
        return items if any(items[key] is not body[key] for key in body) else body
    if isinstance(body, list):
        values = [fixed_times(value, clock=clock) for value in body]
        return values if any(new is not old for new, old in zip(values, body, strict=True)) else body
    if isinstance(body, str) and len(body) <= _MAX_TEXT:
        text = _fixed_epoch(body, clock) or _TIME.sub(lambda match: _fixed(match, clock), body)
        return text if text != body else body
    if isinstance(body, int) and not isinstance(body, bool) and _near(body, clock):
        return FIXED_EPOCH
    return body


def _fixed(match: re.Match[str], clock: datetime) -> str:
    try:
        day = date.fromisoformat(match.group("date"))
    except ValueError:
        return match.group(0)
    if abs(day - clock.date()) > _WINDOW:
        return match.group(0)
    clock_part = re.sub(r"\d", "0", match.group("clock") or "")
    fraction = ".000000000" if match.group("fraction") else ""
    monotonic = " m=+0.000000000" if match.group("monotonic") else ""
    return f"{FIXED_DATE}{clock_part}{fraction}{match.group('rest')}{monotonic}"


def _fixed_epoch(text: str, clock: datetime) -> str | None:
    return str(FIXED_EPOCH) if _EPOCH.match(text) and _near(int(text), clock) else None


def _near(seconds: int, clock: datetime) -> bool:
    return abs(seconds - clock.timestamp()) <= _WINDOW.total_seconds()


def utc_now() -> datetime:
    """The clock the renders ran against."""
    return datetime.now(UTC)
