"""Go values as a Go template sees them: printing, truth, comparison and conversions.

ApplicationSet parameters reach Argo CD's templates as decoded JSON (``map[string]any``):
every number is a ``float64`` and prints as Go's ``%v`` prints one (``3``, ``1e+06``), a
missing map key is ``<no value>``, a nil ``<nil>``, a list ``[a b]``, a map
``map[a:1 b:2]``. :func:`go_json` converts parsed YAML into that shape; the
template engine (:mod:`validator.agents.gotemplate`) and its functions
(:mod:`validator.agents.gofuncs`) print and compare with the functions here, so a
rendered name is the text Argo CD would produce.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

#: Characters one template string may produce, and steps (actions, ``range`` iterations) it
#: may run: bounds on hostile templates (a quadratic ``append`` loop stays under a second).
MAX_OUTPUT = 1_000_000
MAX_STEPS = 10_000


def bounded(size: int) -> int:
    """``size`` (of a string or list a function is about to build), if within
    :data:`MAX_OUTPUT`; else the template fails as too large."""
    if size > MAX_OUTPUT:
        raise TemplateError(f"template output exceeds {MAX_OUTPUT} characters")
    return size


class _NoValue:
    """A missing map key (Go's invalid ``reflect.Value``): prints ``<no value>``, is false."""

    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE: Final = _NoValue()


class TemplateError(Exception):
    """A template that Argo CD would fail to render (its message is Argo CD's reason)."""


class UnsupportedConstructError(TemplateError):
    """A construct of Go templates or Sprig this subset does not implement: reported by
    name, never rendered approximately."""

    def __init__(self, construct: str) -> None:
        super().__init__(f"{construct} is not supported by gitops-validator's Go template subset")
        self.construct = construct


def go_json(value: Any) -> Any:
    """``value`` as ``json.Unmarshal`` into ``any`` gives it: numbers become floats."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): go_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [go_json(v) for v in value]
    return str(value)


def format_float(value: float) -> str:
    """Go's ``%v`` of a ``float64``: the shortest digits that read back, in ``%e`` form when
    the decimal exponent is below -4 or at least 6 (``1e+06``, ``1.5e-05``), else plain."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digit_tuple, exp = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    exponent = len(digits) + int(exp) - 1
    prefix = "-" if sign else ""
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{prefix}0.{'0' * (-exponent - 1)}{digits}"
    whole = digits[:exponent + 1].ljust(exponent + 1, "0")
    fraction = digits[exponent + 1:]
    return f"{prefix}{whole}.{fraction}" if fraction else f"{prefix}{whole}"


def go_print(value: Any) -> str:
    """``fmt.Sprint(value)`` for the values a template handles."""
    if value is NO_VALUE:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{go_print(k)}:{go_print(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    return "<nil>" if value is None else str(value)


def truth(value: Any) -> bool:
    """Go template truth: false, 0, nil, missing and empty strings, lists and maps are false."""
    if value is NO_VALUE or value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) > 0
    return True


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


def go_equal(left: Any, right: Any) -> bool:
    """The builtin ``eq`` of two values: basic values of one kind; others are an error, as in
    Go (``eq .replicas 3`` fails there too: parameters are floats, ``3`` an int)."""
    if left is None or right is None or left is NO_VALUE or right is NO_VALUE:
        if (left is None or left is NO_VALUE) and (right is None or right is NO_VALUE):
            return True
        raise TemplateError("incompatible types for comparison")
    kinds = (_kind(left), _kind(right))
    if "other" in kinds or kinds[0] != kinds[1]:
        raise TemplateError("incompatible types for comparison")
    return bool(left == right)


def go_less(left: Any, right: Any) -> bool:
    """The builtin ``lt``: numbers or strings of one kind."""
    kinds = (_kind(left), _kind(right))
    if kinds[0] != kinds[1] or kinds[0] in ("bool", "other"):
        raise TemplateError("incompatible types for comparison")
    return bool(left < right)


def to_int(value: Any) -> int:
    """Sprig's ``toInt64`` (spf13/cast): strings parsed (0 if not a number), floats truncated."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 0)
        except ValueError:
            value = to_float(text)
    if isinstance(value, float):
        return 0 if math.isnan(value) or math.isinf(value) else int(value)
    return int(value) if isinstance(value, int) else 0


def to_float(value: Any) -> float:
    """Sprig's ``toFloat64``."""
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return 0.0


def to_str(value: Any) -> str:
    """Sprig's ``strval``: strings as they are, everything else as ``%v`` prints it."""
    return value if isinstance(value, str) else go_print(value)
