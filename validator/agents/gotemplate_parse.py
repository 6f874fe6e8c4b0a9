"""The parser of the Go ``text/template`` subset (:mod:`validator.agents.gotemplate` runs it).

Text and ``{{ }}`` actions are split (``{{-``/``-}}`` trimming, comments skipped), each
action is tokenised and parsed into :class:`Node` trees: text, actions (a :class:`Pipe`
of commands of operands: :class:`FieldChain`, :class:`Call`, :class:`Literal`,
:class:`SubPipe`), ``if``/``range``/``with`` blocks with their ``else`` branches,
``break``/``continue``. What Go would not parse raises :class:`TemplateError`; what
this subset does not implement (``define``, ``template``, ``block``, unknown functions,
method calls, character constants) raises :class:`UnsupportedConstructError`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from validator.agents.gofuncs import FUNCTIONS
from validator.agents.govalues import TemplateError, UnsupportedConstructError

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
class Token:
    kind: str
    text: str


@dataclass
class Pipe:
    declare: list[str] = field(default_factory=list)
    assign: bool = False
    commands: list[list[Any]] = field(default_factory=list)


@dataclass
class Node:
    kind: str  # text, action, if, range, with, break, continue
    text: str = ""
    pipe: Pipe = field(default_factory=Pipe)
    body: list[Node] = field(default_factory=list)
    otherwise: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class FieldChain:
    base: str  # "." (dot), "$name" (variable) or "" (result of the preceding operand)
    chain: tuple[str, ...]


@dataclass(frozen=True)
class Call:
    name: str


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class SubPipe:
    pipe: Pipe
    chain: tuple[str, ...]


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


def _tokens(inner: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(inner):
        match = _TOKEN.match(inner, pos)
        if match is None:
            raise TemplateError(f"unexpected {inner[pos]!r} in command")
        kind = match.lastgroup or ""
        if kind == "char":
            raise UnsupportedConstructError("a character constant")
        if kind != "space":
            tokens.append(Token(kind, match.group()))
        pos = match.end()
    return tokens


def parse(text: str) -> list[Node]:
    """The node tree of ``text``; :class:`TemplateError` for what Go would not parse."""
    parser = _Parser()
    for kind, piece in _lex_actions(text):
        if kind == "text":
            parser.current.append(Node("text", text=piece))
        elif not piece.strip().startswith("/*"):
            parser.action(_tokens(piece))
    if parser.stack:
        raise TemplateError(f"unexpected EOF: {{{{{parser.stack[-1][0].kind}}}}} has no {{{{end}}}}")
    return parser.root


class _Parser:
    """Builds the node tree action by action; ``stack`` holds the open blocks."""

    def __init__(self) -> None:
        self.root: list[Node] = []
        self.current = self.root
        self.stack: list[tuple[Node, list[Node]]] = []

    def action(self, tokens: list[Token]) -> None:
        if not tokens:
            raise TemplateError("missing value for command")
        head = tokens[0].text if tokens[0].kind == "ident" else ""
        if head in _UNSUPPORTED:
            raise UnsupportedConstructError(f"the {head!r} action")
        if head in ("if", "range", "with"):
            self.open(Node(head, pipe=_pipe(tokens[1:], control=head == "range")))
        elif head == "else":
            self.otherwise(tokens[1:])
        elif head == "end":
            self.close()
        elif head in ("break", "continue"):
            if len(tokens) != 1:
                raise TemplateError(f"unexpected argument to {head}")
            self.current.append(Node(head))
        else:
            self.current.append(Node("action", pipe=_pipe(tokens, control=False)))

    def open(self, node: Node) -> None:
        self.current.append(node)
        self.stack.append((node, self.current))
        self.current = node.body

    def otherwise(self, rest: list[Token]) -> None:
        if not self.stack or self.current is not self.stack[-1][0].body:
            raise TemplateError("unexpected {{else}}")
        self.current = self.stack[-1][0].otherwise
        if rest:  # else if / else with: a nested block closed by the same end
            if rest[0].text not in ("if", "with"):
                raise TemplateError(f"unexpected {rest[0].text!r} after else")
            self.open(Node(rest[0].text, text="chained", pipe=_pipe(rest[1:], control=False)))

    def close(self) -> None:
        if not self.stack:
            raise TemplateError("unexpected {{end}}")
        node, self.current = self.stack.pop()
        while node.text == "chained":  # popped together with the block it continues
            node, self.current = self.stack.pop()


def _pipe(tokens: list[Token], *, control: bool) -> Pipe:
    pipe = Pipe()
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


def _commands(tokens: list[Token], pos: int, *, closing: bool) -> tuple[list[list[Any]], int]:
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


def _operand(tokens: list[Token], pos: int) -> tuple[Any, int]:
    token = tokens[pos]
    if token.kind == "punct" and token.text == "(":
        return _sub_pipe(tokens, pos)
    if token.kind == "field":
        return FieldChain(".", tuple(token.text.split(".")[1:]) if token.text != "." else ()), pos + 1
    if token.kind == "variable":
        name, *chain = token.text.split(".")
        return FieldChain(name, tuple(chain)), pos + 1
    if token.kind == "ident":
        return _identifier(token.text), pos + 1
    return _literal(token), pos + 1


def _sub_pipe(tokens: list[Token], pos: int) -> tuple[SubPipe, int]:
    commands, end = _commands(tokens, pos + 1, closing=True)
    if end >= len(tokens) or not commands:
        raise TemplateError("unclosed left paren")
    chain: tuple[str, ...] = ()
    end += 1
    if end < len(tokens) and tokens[end].kind == "field" and tokens[end].text != ".":
        chain = tuple(tokens[end].text.split(".")[1:])
        end += 1
    return SubPipe(Pipe(commands=commands), chain), end


def _identifier(text: str) -> Literal | Call:
    if text in ("true", "false", "nil"):
        return Literal(None if text == "nil" else text == "true")
    if "." in text:
        raise UnsupportedConstructError(f"the method or field call {text!r}")
    if text in _KEYWORDS or text in _UNSUPPORTED:
        raise TemplateError(f"unexpected {text!r} in operand")
    if text not in FUNCTIONS:
        raise UnsupportedConstructError(f"the function {text!r}")
    return Call(text)


def _literal(token: Token) -> Literal:
    if token.kind == "raw":
        return Literal(token.text[1:-1])
    if token.kind == "string":
        return Literal(ast.literal_eval(token.text))
    if token.kind == "number":
        return Literal(_number(token.text))
    raise TemplateError(f"unexpected {token.text!r} in operand")


def _number(text: str) -> int | float:
    clean = text.replace("_", "")
    try:
        return int(clean, 0)
    except ValueError:
        return float(clean)
