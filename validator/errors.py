"""The exception tree: each boundary raises its own subclass, the CLI catches the base.

Errors are for things that stop the run (a missing tool, a bad flag, a policy that does
not compile). Problems in the checked files are never errors: they become findings.
"""

from __future__ import annotations

import enum


class ValidatorError(Exception):
    """Base of every error the CLI reports as one line with exit code 2."""


class UsageError(ValidatorError):
    """The flags or configuration do not make sense."""


class ConfigError(ValidatorError):
    """The configuration file is invalid; the message names the file and line."""


class ToolNotFoundError(ValidatorError):
    """An external tool (opa, helm, kustomize, kubeconform, conftest) is not installed."""


class CommandError(ValidatorError):
    """An external command failed, timed out or produced too much output."""

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


class CommandTimeoutError(CommandError):
    """An external command ran longer than its time limit."""


class CommandMemoryError(CommandError):
    """An external command was stopped by its memory limit."""

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None,
                 limit: int) -> None:
        super().__init__(message, stderr=stderr, returncode=returncode)
        self.limit = limit


class SchemaError(ValidatorError):
    """A schema catalog or schema engine could not be used."""


class PolicyError(ValidatorError):
    """Policies could not be loaded or evaluated (compile error, timeout, OPA died)."""


class ChangeError(ValidatorError):
    """The change cannot be read from git: a bad ref, not a repository, a shallow clone
    lacking the base. The message says what to do."""

class EvaluationFailure(enum.Enum):
    """Why one evaluation query failed."""

    TIMEOUT = "timeout"
    """OPA did not answer within the policy timeout."""
    REJECTED = "rejected"
    """OPA answered with an error (a conflict, a request too large): a part may succeed."""
    INVALID_ANSWER = "invalid-answer"
    """OPA answered something other than the results object: no smaller request would do better."""
    SERVER_GONE = "server-gone"
    """The server died or cannot be reached: no later query can succeed either."""


class PolicyEvaluationError(PolicyError):
    """One evaluation query failed: only the objects it held went unevaluated."""

    def __init__(self, message: str, *, failure: EvaluationFailure) -> None:
        super().__init__(message)
        self.failure = failure
