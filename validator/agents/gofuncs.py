"""The functions of ApplicationSet Go templates: Go's builtins, a Sprig subset and Argo CD's own.

Argo CD gives templates Sprig's functions (less ``env``, ``expandenv`` and
``getHostByName``) plus ``normalize``, ``slugify``, ``toYaml``, ``fromYaml`` and
``fromYamlArray``. :data:`FUNCTIONS` holds those implemented here (the list is in
docs/agents.md); a template naming any other function is reported as unsupported by
the parser, never rendered without it. Argument order is Sprig's (the piped value
last: ``.name | trunc 10``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from validator.agents.gofmt import go_quote, go_type, sprintf
from validator.agents.govalues import (
    MAX_STEPS,
    NO_VALUE,
    TemplateError,
    UnsupportedConstructError,
    bounded,
    go_equal,
    go_json,
    go_less,
    go_print,
    to_float,
    to_int,
    to_str,
    truth,
)

Thunk = Callable[[], Any]

_INVALID_DNS = re.compile(r"[^-a-z0-9.]")
_SLUG_INVALID = re.compile(r"[^a-zA-Z0-9\-_]")


def sanitize_name(name: str) -> str:
    """Argo CD's ``SanitizeName`` (``normalize``, ``basenameNormalized``): lower case, every
    character outside ``[-a-z0-9.]`` a dash, at most 253 characters, no leading or trailing
    ``-`` or ``.``."""
    return _INVALID_DNS.sub("-", name.lower())[:253].strip("-.")


def slugify(*args: Any) -> str:
    """Argo CD's ``slugify [maxSize [smartTruncate]] name`` (defaults 50, true): the
    sanitised name through gosimple/slug (dots and other characters to dashes, dashes
    collapsed), cut at the last dash within ``maxSize`` when smart truncation is on."""
    if not args:
        return ""
    max_size = to_int(args[0]) if len(args) > 1 else 50
    smart = bool(args[1]) if len(args) > 2 else True
    text = re.sub("-+", "-", _SLUG_INVALID.sub("-", sanitize_name(to_str(args[-1])))).strip("-_")
    if max_size <= 0 or len(text) <= max_size:
        return text
    if smart:
        for index in range(max_size, -1, -1):
            if text[index] == "-":
                return text[:index]
    return text[:max_size]


def _plain(value: Any) -> Any:
    """``value`` with integral floats as ints, as Go's YAML and JSON encoders print them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return None if value is NO_VALUE else value


def to_yaml(value: Any) -> str:
    """Argo CD's ``toYaml``: sigs.k8s.io/yaml's output without its final newline."""
    return str(yaml.safe_dump(_plain(value), default_flow_style=False, sort_keys=True,
                              allow_unicode=True, width=math.inf)).removesuffix("\n")


def _from_yaml(text: Any, kind: type) -> Any:
    try:
        loaded = yaml.safe_load(to_str(text))
    except yaml.YAMLError as err:
        raise TemplateError(f"error converting YAML to JSON: {err}") from err
    loaded = kind() if loaded is None else loaded
    if not isinstance(loaded, kind):
        raise TemplateError(f"cannot unmarshal into {kind.__name__}")
    return go_json(loaded)


def _to_json(value: Any, *, indent: int | None = None, html: bool = True) -> str:
    """``json.Marshal`` (keys sorted; ``<``, ``>``, ``&`` escaped unless ``toRawJson``)."""
    text = json.dumps(_plain(value), indent=indent, sort_keys=True, ensure_ascii=False,
                      separators=None if indent else (",", ":"))
    if html:
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(item, Mapping):
            item = item.get(key) if isinstance(key, str) else None
        elif isinstance(item, list | tuple | str):
            position = to_int(key)
            if not 0 <= position < len(item):
                raise TemplateError(f"index out of range: {position}")
            item = item[position]
        else:
            raise TemplateError(f"can't index item of type {type(item).__name__}")
    return item


def _length(item: Any) -> int:
    if isinstance(item, str | list | tuple | Mapping):
        return len(item)
    raise TemplateError(f"len of type {type(item).__name__}")


def _trunc(count: Any, text: Any) -> str:
    length, value = to_int(count), to_str(text)
    if length < 0:
        return value[max(len(value) + length, 0):]
    return value[:length]


def _substr(start: Any, end: Any, text: Any) -> str:
    value, begin, stop = to_str(text), to_int(start), to_int(end)
    if begin < 0:
        return value[:stop]
    if stop < 0 or stop > len(value):
        return value[begin:]
    return value[begin:stop]


def _split(sep: Any, text: Any) -> dict[str, str]:
    return {f"_{i}": part for i, part in enumerate(to_str(text).split(to_str(sep)))}


def _join(sep: Any, items: Any) -> str:
    if isinstance(items, str):
        return items
    return to_str(sep).join(to_str(v) for v in items or [] if v is not None)


def _default(fallback: Any, *given: Any) -> Any:
    return given[0] if given and _filled(given[0]) else fallback


def _filled(value: Any) -> bool:
    return value is not NO_VALUE and truth(value)


def _go_regex(pattern: Any) -> re.Pattern[str]:
    text = to_str(pattern)
    if "(?P<" not in text and re.search(r"\\[pPz]|\[\[:", text):
        raise TemplateError(f"regular expression {text!r} uses RE2 syntax this subset lacks")
    try:
        return re.compile(text)
    except re.error as err:
        raise TemplateError(f"error parsing regexp: {err}") from err


def _expand(replacement: str) -> str:
    """RE2 ``$1``/``${name}`` references as Python ``\\g<...>`` ones."""
    escaped = replacement.replace("\\", "\\\\")
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: f"\\g<{m[1] or m[2]}>", escaped.replace("$$", "\0")
                  ).replace("\0", "$")


def _regex_replace(pattern: Any, text: Any, repl: Any) -> str:
    try:
        return _go_regex(pattern).sub(_expand(to_str(repl)), to_str(text))
    except (re.error, IndexError) as err:
        raise UnsupportedConstructError(f"the regexReplaceAll replacement {to_str(repl)!r}") from err


def _dict(*pairs: Any) -> dict[str, Any]:
    items = list(pairs) + ([""] if len(pairs) % 2 else [])
    return {to_str(items[i]): items[i + 1] for i in range(0, len(items), 2)}


def _merge(dest: Any, *sources: Any, override: bool = False) -> Any:
    for source in sources:
        for key, value in (source or {}).items():
            if isinstance(dest.get(key), dict) and isinstance(value, Mapping):
                _merge(dest[key], value, override=override)
            elif key not in dest or override or not truth(dest[key]):
                dest[key] = value
    return dest


def _arith(op: Callable[[int, int], int]) -> Callable[..., int]:
    def apply(*values: Any) -> int:
        result = to_int(values[0])
        for value in values[1:]:
            result = op(result, to_int(value))
        return result
    return apply


def _divide(left: Any, right: Any) -> int:
    divisor = to_int(right)
    if divisor == 0:
        raise TemplateError("integer divide by zero")
    quotient = abs(to_int(left)) // abs(divisor)
    return quotient if (to_int(left) >= 0) == (divisor > 0) else -quotient


def _modulo(left: Any, right: Any) -> int:
    divisor = to_int(right)
    if divisor == 0:
        raise TemplateError("integer divide by zero")
    return int(math.fmod(to_int(left), divisor))


def _required(message: Any, value: Any) -> Any:
    if value is None or value is NO_VALUE or value == "":
        raise TemplateError(to_str(message))
    return value


def _fail(message: Any) -> Any:
    raise TemplateError(to_str(message))


def _and(*args: Thunk) -> Any:
    value: Any = NO_VALUE
    for arg in args:
        value = arg()
        if not truth(value):
            return value
    return value


def _or(*args: Thunk) -> Any:
    value: Any = NO_VALUE
    for arg in args:
        value = arg()
        if truth(value):
            return value
    return value


def _eq(first: Any, *others: Any) -> bool:
    if not others:
        raise TemplateError("missing argument for comparison")
    return any(go_equal(first, other) for other in others)


def _ternary(yes: Any, no: Any, condition: Any) -> Any:
    return yes if truth(condition) else no


def _cases(text: Any, joiner: str) -> str:
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", to_str(text))
    return joiner.join(w.lower() for w in words)


def _camel(text: Any) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[_\-\s]+", to_str(text)) if w)


def _indent(count: Any, text: Any) -> str:
    pad = " " * bounded(max(to_int(count), 0))
    return pad + to_str(text).replace("\n", "\n" + pad)


def _repeat(count: Any, text: Any) -> str:
    value, times = to_str(text), max(to_int(count), 0)
    bounded(times * len(value))
    return value * times


def _until(count: Any) -> list[int]:
    if to_int(count) > MAX_STEPS:
        raise TemplateError(f"until {to_int(count)}: longer than the {MAX_STEPS} steps a template may run")
    return list(range(to_int(count)))


def _list_of(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise TemplateError(f"cannot find list in {go_print(value)}")


#: Functions whose arguments are evaluated only as far as needed (``and``, ``or``).
LAZY: dict[str, Callable[..., Any]] = {"and": _and, "or": _or}

FUNCTIONS: dict[str, Callable[..., Any]] = {
    **LAZY,
    # Go's builtins
    "not": lambda v: not truth(v), "len": _length, "index": _index,
    "eq": _eq, "ne": lambda a, b: not go_equal(a, b), "lt": go_less,
    "le": lambda a, b: go_less(a, b) or go_equal(a, b), "gt": lambda a, b: go_less(b, a),
    "ge": lambda a, b: go_less(b, a) or go_equal(a, b),
    "print": lambda *a: "".join(go_print(v) for v in a), "println": lambda *a: " ".join(
        go_print(v) for v in a) + "\n", "printf": lambda f, *a: sprintf(to_str(f), a),
    # Argo CD's
    "normalize": lambda s: sanitize_name(to_str(s)), "slugify": slugify, "toYaml": to_yaml,
    "fromYaml": lambda s: _from_yaml(s, dict), "fromYamlArray": lambda s: _from_yaml(s, list),
    # Sprig: strings
    "lower": lambda s: to_str(s).lower(), "upper": lambda s: to_str(s).upper(),
    "title": lambda s: re.sub(r"\b[a-z]", lambda m: m[0].upper(), to_str(s)),
    "trim": lambda s: to_str(s).strip(), "trimAll": lambda c, s: to_str(s).strip(to_str(c)),
    "trimPrefix": lambda p, s: to_str(s).removeprefix(to_str(p)),
    "trimSuffix": lambda p, s: to_str(s).removesuffix(to_str(p)),
    "trunc": _trunc, "substr": _substr, "repeat": _repeat,
    "replace": lambda old, new, s: to_str(s).replace(to_str(old), to_str(new)),
    "contains": lambda sub, s: to_str(sub) in to_str(s),
    "hasPrefix": lambda p, s: to_str(s).startswith(to_str(p)),
    "hasSuffix": lambda p, s: to_str(s).endswith(to_str(p)),
    "quote": lambda *a: " ".join(go_quote(to_str(v)) for v in a if v is not None),
    "squote": lambda *a: " ".join(f"'{to_str(v)}'" for v in a if v is not None),
    "cat": lambda *a: " ".join(to_str(v) for v in a if v is not None),
    "nospace": lambda s: re.sub(r"\s", "", to_str(s)), "indent": _indent,
    "nindent": lambda n, s: "\n" + _indent(n, s),
    "snakecase": lambda s: _cases(s, "_"), "kebabcase": lambda s: _cases(s, "-"),
    "camelcase": _camel, "toString": to_str,
    "split": _split, "splitList": lambda sep, s: to_str(s).split(to_str(sep)), "join": _join,
    "regexMatch": lambda r, s: _go_regex(r).search(to_str(s)) is not None,
    "regexFind": lambda r, s: (m[0] if (m := _go_regex(r).search(to_str(s))) else ""),
    "regexFindAll": lambda r, s, n: [m[0] for m in _go_regex(r).finditer(to_str(s))][
        :None if to_int(n) < 0 else to_int(n)],
    "regexReplaceAll": _regex_replace,
    "regexReplaceAllLiteral": lambda r, s, repl: _go_regex(r).sub(lambda _: to_str(repl), to_str(s)),
    # Sprig: defaults, logic, conversion
    "default": _default, "empty": lambda v: not _filled(v),
    "coalesce": lambda *a: next((v for v in a if _filled(v)), None), "ternary": _ternary,
    "required": _required, "fail": _fail,
    "int": to_int, "int64": to_int, "float64": to_float, "atoi": to_int,
    "toJson": _to_json, "toPrettyJson": lambda v: _to_json(v, indent=2),
    "toRawJson": lambda v: _to_json(v, html=False),
    # Sprig: math
    "add": _arith(lambda a, b: a + b), "add1": lambda v: to_int(v) + 1,
    "sub": _arith(lambda a, b: a - b), "mul": _arith(lambda a, b: a * b),
    "div": _divide, "mod": _modulo,
    "max": _arith(max), "min": _arith(min),
    "until": _until,
    # Sprig: lists
    "list": lambda *a: list(a), "first": lambda v: (_list_of(v) or [None])[0],
    "last": lambda v: (_list_of(v) or [None])[-1], "rest": lambda v: _list_of(v)[1:],
    "initial": lambda v: _list_of(v)[:-1], "append": lambda v, x: [*_list_of(v), x],
    "prepend": lambda v, x: [x, *_list_of(v)], "concat": lambda *a: [x for v in a for x in _list_of(v)],
    "reverse": lambda v: _list_of(v)[::-1], "has": lambda x, v: x in _list_of(v),
    "uniq": lambda v: [x for i, x in enumerate(_list_of(v)) if x not in _list_of(v)[:i]],
    "without": lambda v, *x: [i for i in _list_of(v) if i not in x],
    "compact": lambda v: [x for x in _list_of(v) if _filled(x)],
    "sortAlpha": lambda v: sorted(to_str(x) for x in _list_of(v)),
    # Sprig: dictionaries
    "dict": _dict, "get": lambda d, k: d.get(to_str(k), ""), "hasKey": lambda d, k: to_str(k) in d,
    "set": lambda d, k, v: d.update({to_str(k): v}) or d,
    "unset": lambda d, k: {x: v for x, v in d.items() if x != to_str(k)},
    "keys": lambda *d: sorted(k for m in d for k in m), "values": lambda d: [d[k] for k in sorted(d)],
    "pick": lambda d, *k: {x: d[x] for x in k if x in d},
    "omit": lambda d, *k: {x: v for x, v in d.items() if x not in k},
    "merge": _merge, "mergeOverwrite": lambda d, *s: _merge(d, *s, override=True),
    "dig": lambda *a: _dig(a),
    # Sprig: encodings and hashes
    "b64enc": lambda s: base64.b64encode(to_str(s).encode()).decode(),
    "b64dec": lambda s: base64.b64decode(to_str(s).encode()).decode(errors="replace"),
    "sha256sum": lambda s: hashlib.sha256(to_str(s).encode()).hexdigest(),
    "sha1sum": lambda s: hashlib.sha1(to_str(s).encode()).hexdigest(),  # noqa: S324 - Sprig's
    "adler32sum": lambda s: str(zlib.adler32(to_str(s).encode())),
}


def _dig(args: tuple[Any, ...]) -> Any:
    *keys, fallback, mapping = args
    current = mapping
    for key in keys:
        if not isinstance(current, Mapping) or to_str(key) not in current:
            return fallback
        current = current[to_str(key)]
    return current


#: Go parameter types of the functions whose Go signature is typed: ``s`` string, ``i``
#: int, ``m`` map, ``a`` anything; a final ``*`` repeats the kind before it. Go refuses a
#: value of another type (a float64 parameter where a string is expected) and so do we.
SIGNATURES: dict[str, str] = {
    **dict.fromkeys(("lower", "upper", "title", "trim", "trimPrefix", "trimSuffix", "nospace",
                     "snakecase", "kebabcase", "camelcase", "b64enc", "b64dec", "sha256sum",
                     "sha1sum", "adler32sum", "normalize", "fromYaml", "fromYamlArray", "atoi"),
                    "s*"),
    **dict.fromkeys(("trimAll", "replace", "contains", "hasPrefix", "hasSuffix", "split",
                     "splitList", "regexMatch", "regexFind", "regexReplaceAll",
                     "regexReplaceAllLiteral"), "s*"),
    "regexFindAll": "ssi", "trunc": "is", "substr": "iis", "repeat": "is", "indent": "is",
    "nindent": "is", "printf": "sa*", "join": "sa", "hasKey": "ms", "get": "ms", "set": "msa",
    "unset": "ms", "pick": "ms*", "omit": "ms*", "keys": "m*", "values": "m",
    "merge": "mm*", "mergeOverwrite": "mm*",
}
_KIND_NAMES = {"s": "string", "i": "int", "m": "map[string]interface {}"}


def _check_types(name: str, values: list[Any]) -> None:
    signature = SIGNATURES.get(name, "")
    for position, value in enumerate(values):
        if not signature:
            return
        kind = signature[min(position, len(signature) - 1)]
        if kind == "*":
            kind = signature[-2]
        elif position >= len(signature):
            return
        if kind == "a":
            continue
        ok = (isinstance(value, str) if kind == "s" else isinstance(value, Mapping) if kind == "m"
              else isinstance(value, int) and not isinstance(value, bool))
        if not ok:
            got = "invalid value" if value is NO_VALUE else go_type(value)
            raise TemplateError(f"error calling {name}: wrong type for value; expected "
                                f"{_KIND_NAMES[kind]}; got {got}")


def call_function(name: str, args: list[Thunk]) -> Any:
    """``name`` applied to ``args`` (thunks; :data:`LAZY` functions receive them unevaluated)."""
    function = FUNCTIONS[name]
    if name in LAZY:
        if not args:
            raise TemplateError(f"wrong number of args for {name}")
        return function(*args)
    values = [arg() for arg in args]
    _check_types(name, values)
    try:
        return function(*values)
    except TemplateError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
        raise TemplateError(f"error calling {name}: {err}") from err
