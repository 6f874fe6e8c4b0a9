"""A subset of Go's ``text/template``, run in Python, for ApplicationSet templates.

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
something Argo CD would not. The parser is :mod:`validator.agents.gotemplate_parse`;
this module runs its node trees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.agents.gofmt import go_type
from validator.agents.gofuncs import call_function
from validator.agents.gotemplate_parse import Call, FieldChain, Literal, Node, Pipe, SubPipe, parse
from validator.agents.govalues import (
    MAX_OUTPUT,
    MAX_STEPS,
    NO_VALUE,
    TemplateError,
    go_print,
    truth,
)

__all__ = ["execute", "parse"]


class _Break(Exception):  # noqa: N818 - control flow, not an error
    pass


class _Continue(Exception):  # noqa: N818 - control flow, not an error
    pass


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


def execute(nodes: list[Node], data: Any, *, missing: str = "default") -> str:
    """``nodes`` run with ``data`` as dot (and ``$``); ``missing``: the ``missingkey`` option."""
    state = _State(missing=missing, scopes=[{"$": data}])
    try:
        _run(nodes, data, state)
    except (_Break, _Continue) as err:
        raise TemplateError("break or continue outside range") from err
    return "".join(state.out)


def _run(nodes: list[Node], dot: Any, state: _State) -> None:
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


def _block(node: Node, dot: Any, state: _State) -> None:
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


def _range(node: Node, dot: Any, state: _State) -> None:
    names = node.pipe.declare
    value = _eval_pipe(Pipe(commands=node.pipe.commands), dot, state)
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


def _eval_pipe(pipe: Pipe, dot: Any, state: _State) -> Any:
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
    if isinstance(head, Call):
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
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, Call):
        return call_function(operand.name, [])
    if isinstance(operand, SubPipe):
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
    if isinstance(operand, FieldChain):
        return (operand.base if operand.base != "." else "") + "".join("." + c for c in operand.chain)
    return type(operand).__name__.lstrip("_").lower()
