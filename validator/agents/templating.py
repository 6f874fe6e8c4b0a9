"""ApplicationSet templates filled with one parameter set: fasttemplate or Go templates.

Argo CD renders every string of the template (map keys too) on its own:

- **fasttemplate** (the default): each ``{{ name }}`` (spaces trimmed) is replaced by the
  string parameter ``name``; an unknown name, or a parameter that is not a string,
  leaves the tag as it was written. A ``{{`` without ``}}`` is an error.
- **Go templates** (``goTemplate: true``): each string is a ``text/template`` run with the
  parameters as dot (:mod:`validator.agents.gotemplate`); ``goTemplateOptions``
  ``missingkey=error`` makes a missing key an error, ``missingkey=default``/``invalid``/
  ``zero`` print ``<no value>``.

:func:`render_template` returns the filled copy, or raises :class:`TemplateFieldError`
with the field path of the string that failed, so the finding lands on its line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from validator.agents import gotemplate
from validator.agents.govalues import TemplateError, UnsupportedConstructError
from validator.model import FieldPath

_MISSING_KEY = {"missingkey=error": "error", "missingkey=default": "default",
                "missingkey=invalid": "default", "missingkey=zero": "zero"}


class TemplateFieldError(Exception):
    """A string of the template that cannot be rendered, with its field path (relative to
    the template's root) and whether the cause is a construct this subset lacks."""

    def __init__(self, field_path: FieldPath, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.field_path = field_path
        self.unsupported = unsupported


@dataclass(frozen=True, kw_only=True)
class TemplateMode:
    """How an ApplicationSet's templates are rendered."""

    go: bool = False
    """``spec.goTemplate``."""
    options: tuple[str, ...] = ()
    """``spec.goTemplateOptions``."""

    @property
    def missing(self) -> str:
        """The ``missingkey`` behaviour (the last option wins, as in Go)."""
        return next((_MISSING_KEY[o] for o in reversed(self.options) if o in _MISSING_KEY),
                    "default")

    def check_options(self) -> str:
        """The first option this subset does not know (empty when all are known)."""
        return next((o for o in self.options if o not in _MISSING_KEY), "")


def fasttemplate(text: str, params: Mapping[str, Any]) -> str:
    """``text`` with each ``{{name}}`` that names a string parameter replaced."""
    out: list[str] = []
    pos = 0
    while (start := text.find("{{", pos)) >= 0:
        end = text.find("}}", start + 2)
        if end < 0:
            raise TemplateError(f"cannot find end tag='}}}}' in the template={text!r}")
        out.append(text[pos:start])
        tag = text[start + 2:end]
        value = params.get(tag.strip())
        out.append(value if isinstance(value, str) and tag.strip() else "{{" + tag + "}}")
        pos = end + 2
    out.append(text[pos:])
    return "".join(out)


@lru_cache(maxsize=4096)
def _parsed(text: str) -> list[Any]:
    return gotemplate.parse(text)


def render_string(text: str, params: Mapping[str, Any], mode: TemplateMode) -> str:
    """One string rendered as Argo CD renders it (:class:`TemplateError` when it cannot be)."""
    if not mode.go:
        return fasttemplate(text, params) if "{{" in text else text
    if "{{" not in text:
        return text
    return gotemplate.execute(_parsed(text), params, missing=mode.missing)


def render_template(template: Any, params: Mapping[str, Any], mode: TemplateMode,
                    where: FieldPath = ()) -> Any:
    """A copy of ``template`` (parsed YAML) with every string and key rendered."""
    if isinstance(template, str):
        return _string(template, params, mode, where)
    if isinstance(template, Mapping):
        return {_string(str(key), params, mode, (*where, str(key))):
                render_template(value, params, mode, (*where, str(key)))
                for key, value in template.items()}
    if isinstance(template, Sequence):
        return [render_template(item, params, mode, (*where, index))
                for index, item in enumerate(template)]
    return template


def _string(text: str, params: Mapping[str, Any], mode: TemplateMode, where: FieldPath) -> str:
    try:
        return render_string(text, params, mode)
    except UnsupportedConstructError as err:
        raise TemplateFieldError(where, str(err), unsupported=True) from err
    except TemplateError as err:
        raise TemplateFieldError(where, f"failed to execute go template {text!r}: {err}"
                              if mode.go else str(err)) from err
    except RecursionError as err:
        raise TemplateFieldError(where, "template nested too deeply", unsupported=True) from err
