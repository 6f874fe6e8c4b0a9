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

from validator.agents.govalues import NO_VALUE, UnsupportedConstruct, format_float, go_print

_VERB = re.compile(r"%(?P<flags>[-+# 0]*)(?P<width>\d+)?(?:\.(?P<precision>\d*))?(?P<verb>.|$)",
                   re.DOTALL)


def go_type(value: Any) -> str:
    """The Go type name of a template value, as ``%!verb(type=value)`` shows it."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    return "<nil>"


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
            raise UnsupportedConstruct("printf argument indexes and * widths")
        match = _VERB.match(fmt, start)
        assert match is not None
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
    text = _formatted(verb, flags, precision, value)
    if text is None:
        return f"%!{verb}({go_type(value)}={go_print(value)})"
    if width and len(text) < int(width):
        if "-" in flags:
            return text.ljust(int(width))
        fill = "0" if "0" in flags and verb in "dfegxXo" and not isinstance(value, str) else " "
        if fill == "0" and text[:1] in "+-":
            return text[0] + text[1:].rjust(int(width) - 1, "0")
        return text.rjust(int(width), fill)
    return text


def _formatted(verb: str, flags: str, precision: str | None, value: Any) -> str | None:
    plus = "+" if "+" in flags else ""
    if value is NO_VALUE:
        return "<no value>" if verb in "vs" else None
    if verb == "v":
        return go_print(value)
    if verb == "s" and isinstance(value, str):
        return value[:int(precision)] if precision else value
    if verb == "q" and isinstance(value, str):
        return go_quote(value)
    if verb == "t" and isinstance(value, bool):
        return go_print(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return _integer(verb, flags, value)
    if isinstance(value, float) and verb in "feEgG":
        if verb in "gG" and precision is None:
            return plus * (value >= 0) + format_float(value)
        digits = int(precision) if precision else 6 if precision is None else 0
        return format(value, f"{plus}.{digits}{verb}")
    if verb in "xX" and isinstance(value, str):
        hexed = value.encode().hex()
        return hexed.upper() if verb == "X" else hexed
    return None


def _integer(verb: str, flags: str, value: int) -> str | None:
    plus = "+" if "+" in flags and value >= 0 else ""
    sharp = "#" in flags
    if verb == "d":
        return f"{plus}{value}"
    if verb in "xX":
        text = format(abs(value), verb)
        prefix = ("0x" if verb == "x" else "0X") if sharp else ""
        return ("-" if value < 0 else plus) + prefix + text
    if verb == "o":
        return ("-" if value < 0 else plus) + ("0" if sharp else "") + format(abs(value), "o")
    if verb == "b":
        return ("-" if value < 0 else plus) + format(abs(value), "b")
    if verb == "c":
        return chr(value)
    if verb in "feEgG":
        return None
    return None
