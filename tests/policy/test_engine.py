"""The policy engine's lifetime: one OPA and one compile for several document sets, evaluated
concurrently, with the same findings as one evaluation per set (real OPA)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

import pytest

from tests.policy.peer import Run
from validator.load import Document, load_file
from validator.policy import evaluate_policies, server
from validator.policy.evaluate import PolicyEngine

RUN = Run(case="basic", files=("deployment.yaml", "multi.yaml", "service.json"))


def _documents(name: str) -> tuple[Document, ...]:
    return load_file(RUN.root / name, display_path=name).documents


@pytest.fixture
def servers_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the local OPA servers started (the real server still starts)."""
    started: list[int] = []
    real = server.local_opa_server

    def counting(**kwargs: Any) -> AbstractContextManager[Any]:
        started.append(1)
        return real(**kwargs)

    monkeypatch.setattr("validator.policy.evaluate.local_opa_server", counting)
    return started


def test_one_engine_evaluates_several_sets_concurrently_with_one_server(
        servers_started: list[int]) -> None:
    sets = [_documents(name) for name in RUN.files]
    separately = [evaluate_policies(docs, RUN.settings(), root=RUN.root) for docs in sets]
    assert len(servers_started) == len(sets)
    servers_started.clear()
    with PolicyEngine.open(RUN.settings(), root=RUN.root) as engine, \
            ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda docs: engine.evaluate(docs, root=RUN.root), sets * 2))
    assert len(servers_started) == 1
    assert [r.findings for r in together] == [r.findings for r in separately] * 2
    assert any(r.findings for r in together)
