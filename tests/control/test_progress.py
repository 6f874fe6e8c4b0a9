"""The progress bar covers every stage, and ``-v`` prints how long each stage took."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest

import validator.cli.check
from tests.cli.test_check_cli import invoke
from validator.cli.common import progress_callback
from validator.process import Command, run

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: 'nginx:1.27'}]
"""
CHART = {
    "Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
    "values.yaml": "replicas: 1\n",
    "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\ndata: {a: b}\n",
}
POLICY = 'package main\n\nwarn contains "never" if { input.kind == "Nothing" }\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "web.yaml").write_text(DEPLOYMENT)
    for name, text in CHART.items():
        path = tmp_path / "charts" / "api" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "main.rego").write_text(POLICY)
    return tmp_path


def test_progress_covers_render_schema_and_policy(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int, int]] = []
    monkeypatch.setattr(validator.cli.check, "progress_callback",
                        lambda enabled: (lambda label, done, total: calls.append((label, done, total))))
    code, out, _ = invoke("check", str(repo))
    assert code == 0, out
    labels = list(dict.fromkeys(label for label, _, _ in calls))
    assert labels == ["Rendering and loading", "Schema-checking", "Policy-checking"]
    for label in labels:
        mine = [(done, total) for name, done, total in calls if name == label]
        assert mine[0][0] == 0, label
        assert mine[-1][0] == mine[-1][1] > 0, label
    assert ("Schema-checking", 2, 2) in calls


def _cli(*args: str) -> str:
    env = {"PYTHONPATH": os.pathsep.join(sys.path)}
    for name in ("GITOPS_VALIDATOR_TOOLS_DIR", "XDG_CACHE_HOME", "HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    result = run(Command(args=(sys.executable, "-m", "validator", *args), env=env,
                         ok_codes=frozenset({0})))
    return result.stderr


def test_verbose_prints_stage_timings(repo: Path) -> None:
    err = _cli("-v", "check", str(repo), "--no-progress")
    for stage, items in (("render and load", "2 targets"), ("schema", "2 resources"),
                         ("policy", "2 resources")):
        assert re.search(rf"stage {stage}: {items} in \d+\.\d\d s", err), err
    assert re.search(r"stages total: \d+\.\d\d s", err), err


def test_without_verbose_no_timings(repo: Path) -> None:
    assert "stage " not in _cli("check", str(repo), "--no-progress")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_stage_bar_ends_once_even_when_its_end_is_reported_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    update = progress_callback(True)
    assert update is not None
    for done in (0, 1, 2, 2):
        update("Schema-checking", done, 2)
    update("Policy-checking", 0, 0)
    update("Policy-checking", 0, 0)
    assert terminal.getvalue().count("\x1b[1A\x1b[2K") == 2  # one erase per stage


def test_the_schema_bar_moves_while_resources_are_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "many.yaml").write_text("".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: x}}\n"
        for i in range(300)))
    calls: list[tuple[str, int, int]] = []
    monkeypatch.setattr(validator.cli.check, "progress_callback",
                        lambda enabled: (lambda label, done, total: calls.append((label, done, total))))
    code, out, _ = invoke("check", str(tmp_path), "--no-policy")
    assert code == 0, out
    schema = [done for label, done, total in calls if label == "Schema-checking"]
    assert schema[0] == 0
    assert schema[-1] == 300
    assert [done for done in schema if 0 < done < 300], schema
    assert schema == sorted(schema)
