"""Rego policies evaluated by a real OPA with conftest's conventions.

:func:`evaluate_policies` is the entry point: it starts (or connects to) an OPA
server, pushes the policies and data, evaluates the documents in bounded batches
and returns findings located on the offending field's line (and a
``policy/not-evaluated`` error for each object whose query failed).

The evaluation modules (and the HTTP client libraries they need) are imported on
first use only, so commands that run no policy do not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from validator.policy.settings import PolicySettings, RegoVersion

if TYPE_CHECKING:
    from validator.policy.evaluate import PolicyResult, evaluate_policies, opa_session

__all__ = ["PolicyResult", "PolicySettings", "RegoVersion", "evaluate_policies", "opa_session"]

_LAZY = {"PolicyResult", "evaluate_policies", "opa_session"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from validator.policy import evaluate  # noqa: PLC0415 - deliberately lazy

        return getattr(evaluate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
