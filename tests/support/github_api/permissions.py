"""Which permission an operation needs, and whether a token has it.

Plain test tokens are all-or-nothing (``write=False``: 403 on every write). Installation
tokens carry GitHub App permissions: reading needs ``read`` or ``write`` on the operation's
permission, writing needs ``write``; ``metadata`` (the repository itself) is always readable.
"""

from __future__ import annotations

from tests.support.github_api.state import Token

_BY_PREFIX = {"checks/": ("checks",), "pulls/": ("pull_requests",),
              "issues/": ("issues", "pull_requests"), "git/": ("contents",), "graphql:": ("pull_requests",)}
_BY_OPERATION = {
    "repos/get": ("metadata",),
    "repos/create-commit-status": ("statuses",),
    "repos/get-content": ("contents",),
    "repos/compare-commits": ("contents",),
    "repos/download-tarball-archive": ("contents",),
    "repos/list-pull-requests-associated-with-commit": ("pull_requests", "contents"),
    "apps/list-repos-accessible-to-installation": ("metadata",),
}
_INSTALLATION_APP_OPERATIONS = frozenset({"apps/list-repos-accessible-to-installation"})


def needs_jwt(operation: str) -> bool:
    """App endpoints take the app's JWT; the installation's own ones take its token."""
    return operation.startswith("apps/") and operation not in _INSTALLATION_APP_OPERATIONS


def needed(operation: str) -> tuple[str, ...]:
    """The permissions any one of which covers ``operation`` (issue comments on pull requests
    accept ``issues`` or ``pull_requests``, as GitHub does)."""
    if operation in _BY_OPERATION:
        return _BY_OPERATION[operation]
    found = (names for prefix, names in _BY_PREFIX.items() if operation.startswith(prefix))
    return next(found, ("metadata",))


def allows(token: Token, operation: str, *, write: bool) -> bool:
    """Whether ``token`` may make this request."""
    if token.permissions is None:
        return token.write or not write
    levels = [token.permissions.get(name) for name in needed(operation)]
    if write:
        return "write" in levels
    return "metadata" in needed(operation) or any(level in ("read", "write") for level in levels)


def sees(token: Token, repository: str) -> bool:
    """Whether ``token`` may see ``owner/name`` at all (else GitHub answers 404)."""
    return token.repositories is None or repository.lower() in token.repositories
