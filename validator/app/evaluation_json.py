"""An :class:`~validator.app.evaluation.Evaluation` as JSON and back: what every evaluation store
keeps (one JSON document per evaluation, so a store never needs a column per field).

Reading is strict: a document that is not an evaluation raises ``ValueError`` naming what is
wrong, rather than giving a half-filled page.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from validator.app.evaluation import Evaluation, EvaluationState, SourceLine, StoredFinding
from validator.app.model import Platform

__all__ = ["evaluation_from_json", "evaluation_to_json"]


def evaluation_to_json(evaluation: Evaluation) -> str:
    """The evaluation as a JSON object (keys sorted, so equal evaluations give equal text)."""
    return json.dumps(asdict(evaluation), sort_keys=True, ensure_ascii=False)


def evaluation_from_json(text: str) -> Evaluation:
    """The evaluation :func:`evaluation_to_json` wrote; ``ValueError`` when ``text`` is not one."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"a stored evaluation is not JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError("a stored evaluation is not a JSON object")
    try:
        findings = tuple(_finding(item) for item in data.pop("findings", ()))
        return Evaluation(**{**data, "state": EvaluationState(data["state"]), "findings": findings,
                             "versions": dict(data.get("versions", {})),
                             "platform": Platform(data.get("platform", Platform.GITHUB.value))})
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValueError(f"a stored evaluation is malformed: {err!r}") from err


def _finding(data: dict[str, Any]) -> StoredFinding:
    context = tuple(SourceLine(**line) for line in data.get("context", ()))
    return StoredFinding(**{**data, "context": context})
