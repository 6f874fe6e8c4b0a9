"""Flux's post-build substitution dialect: ``${var}`` and the bash-like forms, pure.

kustomize-controller substitutes with ``fluxcd/pkg/envsubst`` (a fork of
``drone/envsubst``); this module follows that parser and its functions, quirks included,
because what matters is what the agent applies:

* only ``${...}`` is substituted; ``$var`` stays as written (Flux's documented way to
  keep a shell variable), and ``$$`` prints one ``$`` (so ``$${var}`` prints ``${var}``);
* ``${var:=d}``, ``${var=d}``, ``${var:-d}``, ``${var:?d}`` and ``${var:+d}`` all give
  ``d`` when the value is empty or unset (the fork has one "default" function); the
  default may hold nested ``${...}``;
* ``${var:pos}``, ``${var:pos:len}`` cut bytes (Go slices), a negative length counts
  from the end, an offset that is not a number leaves the value as it is;
* ``${var/p/r}``, ``${var//p/r}``, ``${var/#p/r}``, ``${var/%p/r}`` replace literal
  text (``\\/`` and ``\\\\`` escape inside them); ``${var#p}``, ``${var##p}``,
  ``${var%p}``, ``${var%%p}`` trim Go ``path.Match`` globs (``*`` does not cross ``/``;
  a bad pattern leaves the value alone);
* ``${var^}``, ``${var^^}``, ``${var,}``, ``${var,,}``, ``${#var}`` (length in bytes).

A malformed ``${`` is a :class:`SubstitutionError` (Flux fails the Kustomization).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from validator.agents.glob_automaton import Automaton, Node, automaton, full_match, prefix_matches

#: Operators that handle an unset variable themselves (not "undefined" when it is unset).
DEFAULT_OPERATORS = frozenset({"-", "+", "=", "?", ":-", ":+", ":=", ":?"})
#: Most characters one expansion may produce (variable values, replacements): both the values
#: and the references come from the change, so ``${v}`` x 1,000 of a 1 MiB value must stop.
MAX_EXPANDED = 64 * 1024 * 1024
#: Names a ``substitute`` / ``substituteFrom`` variable may have (kustomize-controller).
VARIABLE_NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")
Accept = Callable[[str], bool]


class SubstitutionError(ValueError):
    """A ``${`` the dialect cannot parse (Flux: "variable substitution failed")."""


@dataclass(frozen=True, kw_only=True)
class Expansion:
    """A text with its variables substituted, and which variables it used."""

    text: str
    used: tuple[str, ...] = ()
    """Every variable referenced, in evaluation order (nested ones before their parent)."""
    undefined: tuple[str, ...] = ()
    """Variables referenced without a value nor a default operator: they became ``""``."""


@dataclass
class _State:
    variables: Mapping[str, str]
    budget: int = MAX_EXPANDED
    """Characters the variables may still produce (see :data:`MAX_EXPANDED`)."""
    used: list[str] = field(default_factory=list)
    undefined: list[str] = field(default_factory=list)


def expand(text: str, variables: Mapping[str, str], *, limit: int = MAX_EXPANDED) -> Expansion:
    """``text`` with every ``${...}`` replaced from ``variables`` (unset: empty); more than
    ``limit`` characters from variables is a :class:`SubstitutionError`."""
    if "$" not in text:
        return Expansion(text=text)
    state = _State(variables, budget=limit)
    out, _ = _Parser(text, state).top()
    return Expansion(text=out, used=tuple(state.used), undefined=tuple(state.undefined))


def references(text: str) -> tuple[str, ...]:
    """The variables ``text`` references (empty when it holds none or cannot be parsed)."""
    try:
        return expand(text, {}).used
    except SubstitutionError:
        return ()


def _is_ident(char: str) -> bool:
    return char.isalpha() or char.isdigit() or char == "_"


class _Parser:
    """A recursive-descent reading of one text, evaluating as it goes (the fork evaluates
    a parsed tree; nothing observable differs, as parse errors stop both)."""

    def __init__(self, text: str, state: _State) -> None:
        self.text = text
        self.pos = 0
        self.state = state

    def peek(self, ahead: int = 0) -> str:
        at = self.pos + ahead
        return self.text[at] if at < len(self.text) else ""

    def at_brace(self) -> bool:
        return self.text.startswith("${", self.pos)

    def fail(self, what: str) -> SubstitutionError:
        start = self.text.rfind("${", 0, self.pos + 1)
        snippet = self.text[max(start, 0):][:40].split("\n", 1)[0]
        return SubstitutionError(f"{what} in {snippet!r}")

    def top(self) -> tuple[str, None]:
        out: list[str] = []
        while self.pos < len(self.text):
            if self.at_brace():
                self.pos += 2
                out.append(self.function())
            elif self.peek() == "$" and self.peek(1) == "$":
                out.append("$")  # the first $ escapes the second
                self.pos += 2
            else:  # plain text up to the next $ (not one character at a time)
                end = self.text.find("$", self.pos + 1)
                end = len(self.text) if end < 0 else end
                out.append(self.text[self.pos:end])
                self.pos = end
        return "".join(out), None

    # ${ ... } -----------------------------------------------------------------------

    def function(self) -> str:
        """After ``${``: the function the character after the name selects."""
        if self.peek() == "#":
            self.pos += 1
            name = self.name()
            self.close()
            return self.call(name, "#", [])
        name = self.name()
        if self.peek() == ":" and self.peek(1) and self.peek(1) in "=-?+":
            return self.default(name, ":" + self.peek(1), 2)
        handler = {":": self.substring, "=": self.assign, ",": self.casing, "^": self.casing,
                   "/": self.replace, "#": self.remove, "%": self.remove}.get(self.peek())
        if handler is not None:
            return handler(name)
        if self.peek() != "}":
            raise self.fail("missing closing brace")
        self.pos += 1
        return self.call(name, "", [])

    def assign(self, name: str) -> str:
        return self.default(name, "=", 1)

    def casing(self, name: str) -> str:
        operator = self.run(lambda c: c in ",^", 2)
        self.close()
        return self.call(name, operator, [])

    def remove(self, name: str) -> str:
        mark = self.peek()
        operator = self.run(lambda c: c == mark, 2)
        args = [self.param(lambda c: c != "}")]
        self.close()
        return self.call(name, operator, args)

    def name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and _is_ident(self.text[self.pos]):
            self.pos += 1
        if self.pos == start:
            raise self.fail("unable to parse variable name")
        return self.text[start:self.pos]

    def run(self, accept: Accept, limit: int) -> str:
        start = self.pos
        while self.pos - start < limit and self.peek() and accept(self.peek()):
            self.pos += 1
        return self.text[start:self.pos]

    def close(self) -> None:
        if self.peek() != "}":
            raise self.fail("bad substitution")
        self.pos += 1

    def param(self, accept: Accept, *, escapes: bool = False) -> str:
        """One argument: a nested ``${...}`` or a run of accepted text (at least one char)."""
        if self.at_brace():
            self.pos += 2
            return self.function()
        out: list[str] = []
        while self.pos < len(self.text) and not self.at_brace():
            char = self.peek()
            if escapes and ((char == "$" and self.peek(1) == "$")
                            or (char == "\\" and self.peek(1) in ("/", "\\") and self.peek(1))):
                out.append(self.peek(1))  # the escaped character, taken as it is
                self.pos += 2
                continue
            if not accept(char):
                break
            out.append(char)
            self.pos += 1
        if not out:
            raise self.fail("unable to parse substitution within function")
        return "".join(out)

    def default(self, name: str, operator: str, width: int) -> str:
        self.pos += width
        args = []
        while self.peek() != "}":
            args.append(self.param(lambda c: c != "}"))
        self.pos += 1
        return self.call(name, operator, args)

    def substring(self, name: str) -> str:
        self.pos += 1
        args = [self.param(lambda c: c not in ":}")]
        if self.peek() == "}":
            self.pos += 1
            return self.call(name, ":", args)
        if self.peek() != ":":
            raise self.fail("bad substitution")
        while self.peek() == ":":  # the fork's delimiter scan takes a run of colons
            self.pos += 1
        args.append(self.param(lambda c: c != "}"))
        self.close()
        return self.call(name, ":", args)

    def replace(self, name: str) -> str:
        operator = "/" + (self.peek(1) if self.peek(1) in ("/", "#", "%") and self.peek(1) else "")
        self.pos += len(operator)
        args = [""] if self.peek() == "/" else [self.param(lambda c: c != "/", escapes=True)]
        if self.peek() != "/":
            raise self.fail("bad substitution")
        while self.peek() == "/":
            self.pos += 1
        if self.peek() == "}":
            self.pos += 1
            return self.call(name, operator, args)
        args.append(self.param(lambda c: c != "}", escapes=True))
        self.close()
        return self.call(name, operator, args)

    def call(self, name: str, operator: str, args: list[str]) -> str:
        defined = name in self.state.variables
        self.state.used.append(name)
        if not defined and operator not in DEFAULT_OPERATORS:
            self.state.undefined.append(name)
        value = self.state.variables.get(name, "")
        if operator in ("/", "//") and args:  # its size is known before it is built
            old, new = args[0], args[1] if len(args) > 1 else ""
            count = (len(value) + 1 if not old else value.count(old)) if operator == "//" \
                else int(old in value)
            self.spend(len(value) + count * (len(new) - len(old)))
            return apply(operator, value, args)
        result = apply(operator, value, args)
        self.spend(len(result))
        return result

    def spend(self, size: int) -> None:
        """Count ``size`` produced characters against the budget."""
        if size > self.state.budget:
            raise SubstitutionError(f"the substituted text is larger than the limit of "
                                    f"{MAX_EXPANDED} characters for a target; refused")
        self.state.budget -= max(size, 0)


# the functions ----------------------------------------------------------------------


def apply(operator: str, value: str, args: list[str]) -> str:
    """The fork's ``lookupFunc(operator, len(args))`` applied to ``value``."""
    if operator == "#" and not args:
        return str(len(value.encode()))
    function = _FUNCTIONS.get(operator)
    if function is not None:
        return function(value, args)
    return value if value or not args else "".join(args)  # the defaults (and unknown forms)


def _replace_prefix(value: str, args: list[str]) -> str:
    if len(args) == 2 and value.startswith(args[0]):
        return args[1] + value[len(args[0]):]
    return value


def _replace_suffix(value: str, args: list[str]) -> str:
    if len(args) == 2 and value.endswith(args[0]):
        return value.removesuffix(args[0]) + args[1]
    return value


def _case(value: str, convert: Callable[[str], str]) -> str:
    """Per character, as Go's ``unicode.ToUpper``/``ToLower`` (no ``ß`` -> ``SS``)."""
    out = []
    for char in value:
        mapped = convert(char)
        out.append(mapped if len(mapped) == 1 else char)
    return "".join(out)


_ATOI = re.compile(r"^[+-]?[0-9]+$")


def _substring(value: str, args: list[str]) -> str:
    data = value.encode()
    if not _ATOI.match(args[0]):
        return value
    pos = int(args[0])
    if pos < 0:
        pos = max(len(data) + pos, 0)
    if len(args) == 1:
        return data[pos:].decode(errors="replace") if pos < len(data) else ""
    if not _ATOI.match(args[1]):
        return value
    length = int(args[1])
    if length < 0:
        end = len(data) + length
        return "" if end < pos else data[pos:end].decode(errors="replace")
    if pos + length >= len(data):
        return data[pos:].decode(errors="replace") if pos < len(data) else ""
    return data[pos:pos + length].decode(errors="replace")


def _trim(operator: str, value: str, pattern: str) -> str:
    suffix = operator[0] == "%"
    text, glob = (value[::-1], pattern[::-1]) if suffix else (value, pattern)
    try:
        machine = _glob(glob)
    except ValueError:
        return value
    matches = prefix_matches(machine, text)  # one linear pass answers every length
    lengths = [n for n in range(1, len(matches)) if matches[n]]
    if lengths:
        length = lengths[0] if len(operator) == 1 else lengths[-1]  # shortest / longest
        text = text[length:]
    return text[::-1] if suffix else text


def go_path_match(pattern: str, name: str) -> bool:
    """Go's ``path.Match``; ``ValueError("bad pattern")`` for a malformed ``pattern``."""
    return full_match(_glob(pattern), name)


_NOT_SLASH = re.compile("[^/]", re.DOTALL)


def _glob(pattern: str) -> Automaton:
    """The pattern as an automaton (linear matching: pattern and text are the change's)."""
    out: list[Node] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append(("star", _NOT_SLASH))
        elif char == "?":
            out.append(("one", _NOT_SLASH))
        elif char == "\\":
            if i + 1 >= len(pattern):
                raise ValueError("bad pattern: trailing backslash")
            i += 1
            out.append(("one", re.compile(re.escape(pattern[i]), re.DOTALL)))
        elif char == "[":
            regex, i = _class(pattern, i + 1)
            out.append(("one", re.compile(regex, re.DOTALL)))
            continue
        else:
            out.append(("one", re.compile(re.escape(char), re.DOTALL)))
        i += 1
    return automaton(out)


def _class(pattern: str, i: int) -> tuple[str, int]:
    """The character class starting after ``[`` at ``i``, and the index after its ``]``."""
    negated = i < len(pattern) and pattern[i] == "^"
    i += negated
    ranges: list[str] = []
    count = 0
    while True:
        if i < len(pattern) and pattern[i] == "]" and count:
            if not ranges:  # only reversed ranges: nothing is in the class
                return ("(?s:.)" if negated else "(?!)"), i + 1
            return f"[{'^' if negated else ''}{''.join(ranges)}]", i + 1
        low, i = _escaped(pattern, i)
        high = low
        if pattern[i] == "-":
            high, i = _escaped(pattern, i + 1)
        count += 1
        if low <= high:  # Go tests lo <= r <= hi: a reversed range matches nothing
            ranges.append(re.escape(low) if low == high else f"{re.escape(low)}-{re.escape(high)}")


def _escaped(pattern: str, i: int) -> tuple[str, int]:
    """Go's ``getEsc``: one class character at ``i`` (``\\`` escapes), and the next index."""
    if i >= len(pattern) or pattern[i] in "-]":
        raise ValueError("bad pattern: character class")
    if pattern[i] == "\\":
        i += 1
        if i >= len(pattern):
            raise ValueError("bad pattern: character class")
    if i + 1 >= len(pattern):
        raise ValueError("bad pattern: unterminated character class")
    return pattern[i], i + 1


_FUNCTIONS: dict[str, Callable[[str, list[str]], str]] = {
    ",": lambda v, _: _case(v[:1], str.lower) + v[1:],
    ",,": lambda v, _: _case(v, str.lower),
    "^": lambda v, _: _case(v[:1], str.upper) + v[1:],
    "^^": lambda v, _: _case(v, str.upper),
    "#": lambda v, a: _trim("#", v, a[0]),
    "##": lambda v, a: _trim("##", v, a[0]),
    "%": lambda v, a: _trim("%", v, a[0]),
    "%%": lambda v, a: _trim("%%", v, a[0]),
    ":": _substring,
    "/": lambda v, a: v.replace(a[0], a[1] if len(a) > 1 else "", 1),
    "//": lambda v, a: v.replace(a[0], a[1] if len(a) > 1 else ""),
    "/#": _replace_prefix,
    "/%": _replace_suffix,
}
