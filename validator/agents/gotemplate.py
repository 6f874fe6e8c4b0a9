"""A subset of Go's ``text/template``, parsed and run in Python, for ApplicationSet templates.

Argo CD renders each string of an ApplicationSet template (``goTemplate: true``) with
``text/template`` and Sprig. This module implements the language's everyday part:
text and ``{{ }}`` actions with ``{{-``/``-}}`` trimming and comments; pipelines
(``a | b``) of field chains (``.a.b``, ``$v.a``, ``(pipe).a``), variables (``$x :=``,
``$x =``, ``$``), literals (strings, raw strings, numbers, ``true``/``false``/``nil``) and
function calls; ``if``/``else if``/``else``, ``range`` (lists, maps in key order,
integers; ``$i, $v :=``; ``else``; ``break``/``continue``), ``with``/``else``. The
functions are :data:`validator.agents.gofuncs.FUNCTIONS`. Anything else (``define``,
``template``, ``block``, character constants, method calls) raises
:class:`UnsupportedConstructError` naming it: the caller reports it instead of rendering
something Argo CD would not.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.agents.gofmt import go_type
from validator.agents.gofuncs import FUNCTIONS, call_function
from validator.agents.govalues import (
    MAX_OUTPUT,
    MAX_STEPS,
    NO_VALUE,
    TemplateError,
    UnsupportedConstructError,
    go_print,
    truth,
)

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)*')
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<number>[-+]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?))
  | (?P<field>(?:\.[A-Za-z_]\w*)+|\.)
  | (?P<variable>\$\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<ident>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<punct>[|(),])
""", re.VERBOSE)

_KEYWORDS = {"if", "else", "end", "range", "with", "break", "continue"}
_UNSUPPORTED = {"define", "template", "block"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


@dataclass
class _Pipe:
    declare: list[str] = field(default_factory=list)
    assign: bool = False
    commands: list[list[Any]] = field(default_factory=list)


@dataclass
class _Node:
    kind: str  # text, action, if, range, with, break, continue
    text: str = ""
    pipe: _Pipe = field(default_factory=_Pipe)
    body: list[_Node] = field(default_factory=list)
    otherwise: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class _Field:
    base: str  # "." (dot), "$name" (variable) or "" (result of the preceding operand)
    chain: tuple[str, ...]


@dataclass(frozen=True)
class _Call:
    name: str


@dataclass(frozen=True)
class _Literal:
    value: Any


@dataclass(frozen=True)
class _Sub:
    pipe: _Pipe
    chain: tuple[str, ...]


class _Break(Exception):  # noqa: N818 - control flow, not an error
    pass


class _Continue(Exception):  # noqa: N818 - control flow, not an error
    pass


def _lex_actions(text: str) -> Iterator[tuple[str, str]]:
    """``("text", s)`` and ``("action", inner)`` pieces, trim markers applied."""
    pos = 0
    trim_next = False
    while True:
        start = text.find("{{", pos)
        chunk = text[pos:] if start < 0 else text[pos:start]
        if trim_next:
            chunk = chunk.lstrip(" \t\r\n")
        if start < 0:
            if chunk:
                yield "text", chunk
            return
        inner_start = start + 2
        if text.startswith("- ", inner_start) or text.startswith("-\t", inner_start) \
                or text.startswith("-\n", inner_start) or text.startswith("-\r", inner_start):
            chunk = chunk.rstrip(" \t\r\n")
            inner_start += 1
        if chunk:
            yield "text", chunk
        end = _action_end(text, inner_start)
        inner = text[inner_start:end]
        trim_next = False
        if inner.endswith(" -") or inner.endswith("\t-") or inner.endswith("\n-") \
                or inner.endswith("\r-"):
            inner = inner[:-1]
            trim_next = True
        yield "action", inner
        pos = end + 2


def _action_end(text: str, start: int) -> int:
    """Index of the ``}}`` closing the action that starts at ``start`` (quotes skipped)."""
    stripped = text[start:].lstrip()
    if stripped.startswith("/*"):
        close = text.find("*/", start)
        end = text.find("}}", close + 2) if close >= 0 else -1
        if end < 0:
            raise TemplateError("unclosed comment")
        return end
    pos = start
    while pos < len(text):
        char = text[pos]
        if text.startswith("}}", pos):
            return pos
        if char in "\"`'":
            close = _quote_end(text, pos)
            pos = close + 1
            continue
        pos += 1
    raise TemplateError("unclosed action")


def _quote_end(text: str, start: int) -> int:
    quote = text[start]
    pos = start + 1
    while pos < len(text):
        if text[pos] == "\\" and quote != "`":
            pos += 2
            continue
        if text[pos] == quote:
            return pos
        if text[pos] == "\n" and quote != "`":
            break
        pos += 1
    raise TemplateError("unterminated quoted string")


def _tokens(inner: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(inner):
        match = _TOKEN.match(inner, pos)
        if match is None:
            raise TemplateError(f"unexpected {inner[pos]!r} in command")
        kind = match.lastgroup or ""
        if kind == "char":
            raise UnsupportedConstructError("a character constant")
        if kind != "space":
            tokens.append(_Token(kind, match.group()))
        pos = match.end()
    return tokens


def parse(text: str) -> list[_Node]:
    """The node tree of ``text``; :class:`TemplateError` for what Go would not parse."""
    parser = _Parser()
    for kind, piece in _lex_actions(text):
        if kind == "text":
            parser.current.append(_Node("text", text=piece))
        elif not piece.strip().startswith("/*"):
            parser.action(_tokens(piece))
    if parser.stack:
        raise TemplateError(f"unexpected EOF: {{{{{parser.stack[-1][0].kind}}}}} has no {{{{end}}}}")
    return parser.root


class _Parser:
    """Builds the node tree action by action; ``stack`` holds the open blocks."""

    def __init__(self) -> None:
        self.root: list[_Node] = []
        self.current = self.root
        self.stack: list[tuple[_Node, list[_Node]]] = []

    def action(self, tokens: list[_Token]) -> None:
        if not tokens:
            raise TemplateError("missing value for command")
        head = tokens[0].text if tokens[0].kind == "ident" else ""
        if head in _UNSUPPORTED:
            raise UnsupportedConstructError(f"the {head!r} action")
        if head in ("if", "range", "with"):
            self.open(_Node(head, pipe=_pipe(tokens[1:], control=head == "range")))
        elif head == "else":
            self.otherwise(tokens[1:])
        elif head == "end":
            self.close()
        elif head in ("break", "continue"):
            if len(tokens) != 1:
                raise TemplateError(f"unexpected argument to {head}")
            self.current.append(_Node(head))
        else:
            self.current.append(_Node("action", pipe=_pipe(tokens, control=False)))

    def open(self, node: _Node) -> None:
        self.current.append(node)
        self.stack.append((node, self.current))
        self.current = node.body

    def otherwise(self, rest: list[_Token]) -> None:
        if not self.stack or self.current is not self.stack[-1][0].body:
            raise TemplateError("unexpected {{else}}")
        self.current = self.stack[-1][0].otherwise
        if rest:  # else if / else with: a nested block closed by the same end
            if rest[0].text not in ("if", "with"):
                raise TemplateError(f"unexpected {rest[0].text!r} after else")
            self.open(_Node(rest[0].text, text="chained", pipe=_pipe(rest[1:], control=False)))

    def close(self) -> None:
        if not self.stack:
            raise TemplateError("unexpected {{end}}")
        node, self.current = self.stack.pop()
        while node.text == "chained":  # popped together with the block it continues
            node, self.current = self.stack.pop()


def _pipe(tokens: list[_Token], *, control: bool) -> _Pipe:
    pipe = _Pipe()
    for position, token in enumerate(tokens):
        if token.kind in ("declare", "assign"):
            names = [t.text for t in tokens[:position] if t.text != ","]
            if not names or not all(n.startswith("$") and "." not in n for n in names) \
                    or len(names) > (2 if control else 1):
                raise TemplateError("bad variable declaration")
            pipe.declare = names
            pipe.assign = token.kind == "assign"
            tokens = tokens[position + 1:]
            break
    commands, rest = _commands(tokens, 0, closing=False)
    if rest != len(tokens):
        raise TemplateError(f"unexpected {tokens[rest].text!r} in command")
    if not commands:
        raise TemplateError("missing value for command")
    pipe.commands = commands
    return pipe


def _commands(tokens: list[_Token], pos: int, *, closing: bool) -> tuple[list[list[Any]], int]:
    commands: list[list[Any]] = [[]]
    while pos < len(tokens):
        token = tokens[pos]
        if token.text == ")" and token.kind == "punct":
            if not closing:
                raise TemplateError("unexpected right paren")
            break
        if token.text == "|" and token.kind == "punct":
            if not commands[-1]:
                raise TemplateError("missing command before |")
            commands.append([])
            pos += 1
            continue
        operand, pos = _operand(tokens, pos)
        commands[-1].append(operand)
    if not commands[-1]:
        if len(commands) > 1:
            raise TemplateError("missing command after |")
        return [], pos
    return commands, pos


def _operand(tokens: list[_Token], pos: int) -> tuple[Any, int]:
    token = tokens[pos]
    if token.kind == "punct" and token.text == "(":
        return _sub_pipe(tokens, pos)
    if token.kind == "field":
        return _Field(".", tuple(token.text.split(".")[1:]) if token.text != "." else ()), pos + 1
    if token.kind == "variable":
        name, *chain = token.text.split(".")
        return _Field(name, tuple(chain)), pos + 1
    if token.kind == "ident":
        return _identifier(token.text), pos + 1
    return _literal(token), pos + 1


def _sub_pipe(tokens: list[_Token], pos: int) -> tuple[_Sub, int]:
    commands, end = _commands(tokens, pos + 1, closing=True)
    if end >= len(tokens) or not commands:
        raise TemplateError("unclosed left paren")
    chain: tuple[str, ...] = ()
    end += 1
    if end < len(tokens) and tokens[end].kind == "field" and tokens[end].text != ".":
        chain = tuple(tokens[end].text.split(".")[1:])
        end += 1
    return _Sub(_Pipe(commands=commands), chain), end


def _identifier(text: str) -> _Literal | _Call:
    if text in ("true", "false", "nil"):
        return _Literal(None if text == "nil" else text == "true")
    if "." in text:
        raise UnsupportedConstructError(f"the method or field call {text!r}")
    if text in _KEYWORDS or text in _UNSUPPORTED:
        raise TemplateError(f"unexpected {text!r} in operand")
    if text not in FUNCTIONS:
        raise UnsupportedConstructError(f"the function {text!r}")
    return _Call(text)


def _literal(token: _Token) -> _Literal:
    if token.kind == "raw":
        return _Literal(token.text[1:-1])
    if token.kind == "string":
        return _Literal(ast.literal_eval(token.text))
    if token.kind == "number":
        return _Literal(_number(token.text))
    raise TemplateError(f"unexpected {token.text!r} in operand")


def _number(text: str) -> int | float:
    clean = text.replace("_", "")
    try:
        return int(clean, 0)
    except ValueError:
        return float(clean)


@dataclass
class _State:
    missing: str
    out: list[str] = field(default_factory=list)
    size: int = 0
    steps: int = 0
    scopes: list[dict[str, Any]] = field(default_factory=list)

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_OUTPUT:
            raise TemplateError(f"template output exceeds {MAX_OUTPUT} characters")
        self.out.append(text)

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateError(f"template runs more than {MAX_STEPS} steps")

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise TemplateError(f"undefined variable: {name}")

    def set(self, name: str, value: Any, *, declare: bool) -> None:
        if declare:
            self.scopes[-1][name] = value
            return
        for scope in reversed(self.scopes):
            if name in scope:
                scope[name] = value
                return
        raise TemplateError(f"undefined variable: {name}")


def execute(nodes: list[_Node], data: Any, *, missing: str = "default") -> str:
    """``nodes`` run with ``data`` as dot (and ``$``); ``missing``: the ``missingkey`` option."""
    state = _State(missing=missing, scopes=[{"$": data}])
    try:
        _run(nodes, data, state)
    except (_Break, _Continue) as err:
        raise TemplateError("break or continue outside range") from err
    return "".join(state.out)


def _run(nodes: list[_Node], dot: Any, state: _State) -> None:
    for node in nodes:
        state.step()
        if node.kind == "text":
            state.write(node.text)
        elif node.kind == "action":
            value = _eval_pipe(node.pipe, dot, state)
            if not node.pipe.declare:
                state.write(go_print(value))
        elif node.kind == "break":
            raise _Break
        elif node.kind == "continue":
            raise _Continue
        else:
            _block(node, dot, state)


def _block(node: _Node, dot: Any, state: _State) -> None:
    state.scopes.append({})
    try:
        if node.kind == "range":
            _range(node, dot, state)
            return
        value = _eval_pipe(node.pipe, dot, state)
        if truth(value):
            _run(node.body, value if node.kind == "with" else dot, state)
        else:
            _run(node.otherwise, dot, state)
    finally:
        state.scopes.pop()


def _range(node: _Node, dot: Any, state: _State) -> None:
    names = node.pipe.declare
    value = _eval_pipe(_Pipe(commands=node.pipe.commands), dot, state)
    items = _range_items(value)
    if not items:
        _run(node.otherwise, dot, state)
        return
    for key, item in items:
        state.step()
        if len(names) == 1:
            state.scopes[-1][names[0]] = item
        elif len(names) == 2:
            state.scopes[-1][names[0]] = key
            state.scopes[-1][names[1]] = item
        try:
            _run(node.body, item, state)
        except _Break:
            break
        except _Continue:
            continue


def _range_items(value: Any) -> list[tuple[Any, Any]]:
    if value is None or value is NO_VALUE:
        return []
    if isinstance(value, Mapping):
        return [(key, value[key]) for key in sorted(value)]
    if isinstance(value, list | tuple):
        return list(enumerate(value))
    if isinstance(value, int) and not isinstance(value, bool):
        if value > MAX_STEPS:
            raise TemplateError(f"template runs more than {MAX_STEPS} steps")
        return [(i, i) for i in range(value)]
    raise TemplateError(f"range can't iterate over {go_print(value)}")


def _eval_pipe(pipe: _Pipe, dot: Any, state: _State) -> Any:
    value: Any = NO_VALUE
    piped = False
    for command in pipe.commands:
        value = _eval_command(command, dot, state, value if piped else NO_VALUE, piped=piped)
        piped = True
    for name in pipe.declare:
        state.set(name, value, declare=not pipe.assign)
    return value


def _eval_command(command: list[Any], dot: Any, state: _State, final: Any, *, piped: bool) -> Any:
    head = command[0]
    if isinstance(head, _Call):
        args: list[Callable[[], Any]] = [_lazy(arg, dot, state) for arg in command[1:]]
        if piped:
            args.append(lambda: final)
        return call_function(head.name, args)
    if len(command) > 1 or piped:
        raise TemplateError(f"can't give argument to non-function {_describe(head)}")
    return _eval_operand(head, dot, state)


def _lazy(arg: Any, dot: Any, state: _State) -> Callable[[], Any]:
    """Arguments are evaluated when the function asks (``and``/``or`` stop early, as Go's)."""
    return lambda: _eval_operand(arg, dot, state)


def _eval_operand(operand: Any, dot: Any, state: _State) -> Any:
    if isinstance(operand, _Literal):
        return operand.value
    if isinstance(operand, _Call):
        return call_function(operand.name, [])
    if isinstance(operand, _Sub):
        return _walk(_eval_pipe(operand.pipe, dot, state), operand.chain, state)
    base = dot if operand.base == "." else state.lookup(operand.base)
    return _walk(base, operand.chain, state)


def _walk(value: Any, chain: tuple[str, ...], state: _State) -> Any:
    for name in chain:
        if isinstance(value, Mapping):
            value = value[name] if name in value else _missing(name, state.missing)
        elif value is NO_VALUE:  # a missing key's field: missing too, as Go's evalField
            if state.missing == "error":
                raise TemplateError(f'nil data; no entry for key "{name}"')
        elif value is None:
            raise TemplateError(f"nil pointer evaluating interface {{}}.{name}")
        else:
            raise TemplateError(f"can't evaluate field {name} in type {go_type(value)}")
    return value


def _missing(name: str, missing: str) -> Any:
    """A missing map key under ``missingkey=`` ``missing`` (default, invalid, zero, error)."""
    if missing == "error":
        raise TemplateError(f'map has no entry for key "{name}"')
    return None if missing == "zero" else NO_VALUE


def _describe(operand: Any) -> str:
    if isinstance(operand, _Field):
        return (operand.base if operand.base != "." else "") + "".join("." + c for c in operand.chain)
    return type(operand).__name__.lstrip("_").lower()
