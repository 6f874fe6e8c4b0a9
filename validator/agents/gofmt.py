"""Go's ``fmt.Sprintf`` for the verbs templates use: ``%v %s %d %q %t %f %e %g %x %X %o %%``.

Flags (``-+# 0``), width and precision are honoured; a verb given the wrong type
prints what Go prints (``%!d(string=a)``), as do missing and extra arguments, so a
name built with ``printf`` is the name Argo CD builds. Explicit argument indexes
(``%[1]s``) and ``*`` widths are reported as unsupported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from validator.agents.govalues import NO_VALUE, UnsupportedConstructError, bounded, format_float, go_print

_VERB = re.compile(r"%(?P<flags>[-+# 0]*)(?P<width>\d+)?(?:\.(?P<precision>\d*))?(?P<verb>.|$)",
                   re.DOTALL)


_GO_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "bool"), (int, "int"), (float, "float64"), (str, "string"),
    (Mapping, "map[string]interface {}"), ((list, tuple), "[]interface {}"))


def go_type(value: Any) -> str:
    """The Go type name of a template value, as ``%!verb(type=value)`` shows it."""
    return next((name for kind, name in _GO_TYPES if isinstance(value, kind)), "<nil>")


def go_quote(text: str) -> str:
    """``strconv.Quote``: double-quoted with Go escapes."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted.replace("\\u007f", "\\x7f")


def sprintf(fmt: str, args: Sequence[Any]) -> str:
    """``fmt.Sprintf(fmt, args...)``."""
    out: list[str] = []
    pos = 0
    used = 0
    while True:
        start = fmt.find("%", pos)
        if start < 0:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:start])
        if fmt.startswith("%[", start) or fmt.startswith("*", start + 1):
            raise UnsupportedConstructError("printf argument indexes and * widths")
        match = _VERB.match(fmt, start)
        if match is None:  # the pattern matches any "%"; kept for the type checker
            break
        pos = match.end()
        verb = match["verb"]
        if verb == "%":
            out.append("%")
            continue
        if not verb:
            out.append("%!(NOVERB)")
            break
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_one(verb, match["flags"], match["width"], match["precision"], args[used]))
        used += 1
    if used < len(args):
        extra = ", ".join(f"{go_type(a)}={go_print(a)}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _one(verb: str, flags: str, width: str | None, precision: str | None, value: Any) -> str:
    bounded(int(width or 0) + int(precision or 0))
    if verb != "v" and isinstance(value, list | tuple):  # fmt applies the verb to each element
        return "[" + " ".join(_one(verb, flags, width, precision, v) for v in value) + "]"
    if verb != "v" and isinstance(value, Mapping):
        return "map[" + " ".join(f"{_one(verb, flags, width, precision, k)}:"
                                 f"{_one(verb, flags, width, precision, value[k])}"
                                 for k in sorted(value)) + "]"
    text = _formatted(verb, flags, precision, value)
    if text is None:
        return f"%!{verb}({go_type(value)}={go_print(value)})"
    return _padded(text, verb, flags, int(width or 0), numeric=not isinstance(value, str))


def _padded(text: str, verb: str, flags: str, width: int, *, numeric: bool) -> str:
    """``text`` padded to ``width``: left-aligned with ``-``, zeros with ``0`` for numbers."""
    if len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags and verb in "dfegxXo" and numeric:
        sign = text[0] if text[:1] in "+-" else ""
        return sign + text[len(sign):].rjust(width - len(sign), "0")
    return text.rjust(width)


def _formatted(verb: str, flags: str, precision: str | None, value: Any) -> str | None:
    """``value`` under ``verb``; None when Go would print a ``%!verb(type=value)`` error."""
    if verb == "v" or value is NO_VALUE:
        return go_print(value)
    if isinstance(value, str):
        return _string(verb, precision, value)
    if isinstance(value, bool):
        return go_print(value) if verb == "t" else None
    if isinstance(value, int):
        return _integer(verb, flags, value)
    return _float(verb, flags, precision, value) if isinstance(value, float) else None


def _float(verb: str, flags: str, precision: str | None, value: float) -> str | None:
    plus = "+" if "+" in flags else ""
    if verb in "gG" and precision is None:
        return plus * (value >= 0) + format_float(value)
    if verb not in "feEgG":
        return None
    return format(value, f"{plus}.{int(precision or 0) if precision is not None else 6}{verb}")


def _string(verb: str, precision: str | None, value: str) -> str | None:
    if verb == "s":
        return value[:int(precision)] if precision else value
    if verb == "q":
        return go_quote(value)
    if verb in "xX":
        hexed = value.encode().hex()
        return hexed.upper() if verb == "X" else hexed
    return None


_BASES = {"x": ("x", "0x"), "X": ("X", "0X"), "o": ("o", "0"), "b": ("b", "")}


def _integer(verb: str, flags: str, value: int) -> str | None:
    sign = "-" if value < 0 else "+" if "+" in flags else ""
    if verb == "d":
        return f"{sign}{abs(value)}"
    if verb == "c":
        return chr(value)
    if verb not in _BASES:
        return None
    spec, prefix = _BASES[verb]
    return sign + (prefix if "#" in flags else "") + format(abs(value), spec)
