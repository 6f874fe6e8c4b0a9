"""GitLab webhook secrets: one for the whole app, or one per group or project.

GitLab sends a hook's secret token verbatim in ``X-Gitlab-Token`` (no HMAC of the body:
https://docs.gitlab.com/user/project/integrations/webhooks/#create-a-webhook), so the check is
a constant-time comparison. With several secrets configured, intake asks twice:
:meth:`GitLabSecrets.matches` before the body is parsed (the token is one of ours at all), then
:meth:`GitLabSecrets.accepts` once the project's path is known (the token is the one of the most
specific group or project covering that path), so one team's secret cannot ask for work in
another team's projects.

The file ``GITLAB_WEBHOOK_SECRETS_FILE`` is a YAML mapping of path to secret
(``platform: ...``, ``platform/infra/deploy: ...``); :func:`read_secrets_file` reads it with
``file:line`` problems and never puts a secret into one.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["GitLabSecrets", "read_secrets_file"]

#: A GitLab namespace or project path: segments of letters, digits, ``_``, ``-`` and ``.``.
_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")


@dataclass(frozen=True)
class _Scope:
    path: str
    """Lower-cased group or project path; "" covers every project (``GITLAB_WEBHOOK_SECRET``)."""
    secret: bytes = field(repr=False)

    def covers(self, project: str) -> bool:
        return not self.path or project == self.path or project.startswith(self.path + "/")


class GitLabSecrets:
    """The configured secrets by scope (immutable; shared by every request thread)."""

    def __init__(self, scopes: tuple[_Scope, ...]) -> None:
        # most specific first: the first scope covering a path is the one that counts
        self._scopes = tuple(sorted(scopes, key=lambda s: (-len(s.path), s.path)))

    @classmethod
    def of(cls, secrets: Mapping[str, str]) -> GitLabSecrets:
        """From ``{path: secret}`` ("" for the app-wide secret); empty secrets are left out."""
        return cls(tuple(_Scope(path.strip("/").lower(), secret.encode())
                         for path, secret in secrets.items() if secret))

    def __bool__(self) -> bool:
        return bool(self._scopes)

    def __repr__(self) -> str:
        return f"GitLabSecrets(scopes={[s.path or '*' for s in self._scopes]})"

    def matches(self, token: str | None) -> bool:
        """``token`` equals one of the secrets; every one is compared, so the time taken does
        not say which (or how many) came close."""
        given = (token or "").encode()
        found = False
        for scope in self._scopes:
            found |= hmac.compare_digest(given, scope.secret)
        return found and bool(given)

    def expected_for(self, project: str) -> str | None:
        """The secret of the most specific scope covering ``project`` (``group/sub/proj``);
        None when no scope covers it."""
        scope = self._scope_of(project)
        return scope.secret.decode() if scope is not None else None

    def accepts(self, token: str | None, project: str) -> bool:
        """``token`` is the secret of the most specific scope covering ``project``."""
        scope = self._scope_of(project)
        given = (token or "").encode()
        return scope is not None and bool(given) and hmac.compare_digest(given, scope.secret)

    def _scope_of(self, project: str) -> _Scope | None:
        path = project.strip("/").lower()
        return next((scope for scope in self._scopes if scope.covers(path)), None)


def read_secrets_file(file: Path, source: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    """The ``(path, secret)`` pairs of ``file`` (named by ``source`` when it cannot be read);
    each problem is appended as ``file:line key: ...`` and the pair left out."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        problems.append(f"{source}: cannot read {str(file)!r} ({getattr(err, 'strerror', None) or err})")
        return ()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 0
        problems.append(f"{file}:{line}: not valid YAML ({err.problem})")
        return ()
    if node is None:
        return ()
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{file}:{node.start_mark.line + 1}: expected a mapping of group or project "
                        "path: secret")
        return ()
    pairs: dict[str, tuple[int, str]] = {}
    for key, value in node.value:
        line, name = key.start_mark.line + 1, str(key.value)
        where = f"{file}:{line} {name}"
        if not isinstance(key, yaml.ScalarNode) or not _PATH.fullmatch(name):
            problems.append(f"{where}: expected a group or project path like group/subgroup/project")
        elif name.lower() in pairs:
            problems.append(f"{where}: given twice (first on line {pairs[name.lower()][0]})")
        elif not isinstance(value, yaml.ScalarNode):
            problems.append(f"{where}: expected the secret as one string")
        elif not value.value:
            problems.append(f"{where}: expected a non-empty secret")
        else:
            pairs[name.lower()] = (line, str(value.value))
    return tuple((name, secret) for name, (_, secret) in pairs.items())
