"""How plain scalars and mapping keys are read: as the Go Kubernetes tools read them.

PyYAML resolves plain scalars by YAML 1.1; kubectl and Argo CD read manifests with
``sigs.k8s.io/yaml`` (go-yaml v2 semantics) and kustomize with kyaml (go-yaml v3,
YAML 1.2-like). Where PyYAML differs from both, we follow the Go tools:

- ``=`` is a string (PyYAML's ``!!value`` tag has no constructor);
- ``1:20`` is a string (no sexagesimal numbers in go-yaml);
- ``1e68`` is a float and ``0o14`` an octal int (YAML 1.2 forms both Go tools accept);
- timestamps stay strings.

Where the Go tools differ from each other (``yes``/``no``/``on``/``off``/``y``/``n``
are booleans to go-yaml v2, strings to kyaml), plain files and Helm output are read
as kubectl and Argo CD apply them (booleans); kustomize output is already quoted.
Mapping keys become the strings ``sigs.k8s.io/yaml`` makes of them (``1`` -> ``"1"``,
``true`` -> ``"true"``), so ``1`` and ``true`` never collide. See docs/yaml.md.
"""

from __future__ import annotations

import math
import re

import yaml

#: Tag the composer gives plain (unquoted, untagged) scalars; resolved here, by value.
PLAIN = "tag:gitops-validator,2026:plain"

BOOL_VALUES = {
    **dict.fromkeys(("y", "yes", "true", "on"), True),
    **dict.fromkeys(("n", "no", "false", "off"), False),
}
"""go-yaml v2's booleans, by lower-case spelling (``Yes``/``YES`` too, not ``yEs``)."""

_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
                   r"|on|On|ON|off|Off|OFF)$")
_INT = re.compile(r"^[-+]?(?:0b[01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
                    r"|\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+"
                    r"|\.(?:inf|Inf|INF))$|^\.(?:nan|NaN|NAN)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_MERGE = re.compile(r"^<<$")


class _Resolver(yaml.resolver.Resolver):
    """The implicit resolvers above, in place of PyYAML's YAML 1.1 set."""


_Resolver.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, "yYnNtTfFoO"),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", _MERGE, "<"),
):
    _Resolver.add_implicit_resolver(_tag, _regexp, list(_first))
_RESOLVER = _Resolver()
RESOLVED_TAGS: dict[str, str] = {}
"""Plain scalar -> tag, memoised (the constructor looks here before calling resolve_plain)."""
_RESOLVED_MAX = 200_000


def resolve_plain(value: str) -> str:
    """The tag of a plain scalar (``123`` int, ``true`` bool, ``web`` str), memoised by value."""
    tag = RESOLVED_TAGS.get(value)
    if tag is None:
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if len(RESOLVED_TAGS) > _RESOLVED_MAX:
            RESOLVED_TAGS.clear()
        RESOLVED_TAGS[value] = tag
    return tag


def key_string(key: object) -> object:
    """A mapping key as ``sigs.k8s.io/yaml`` turns it into a JSON key; other keys unchanged."""
    match key:
        case str():
            return key
        case bool():
            return "true" if key else "false"
        case int():
            return str(key)
        case float():
            return ".nan" if math.isnan(key) else {math.inf: ".inf", -math.inf: "-.inf"}.get(
                key, repr(key))
        case None:
            return "null"
        case _:
            return key
