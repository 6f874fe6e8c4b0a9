"""A finding on a base file reached through several overlays is one finding listing its targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check_cli import invoke

LIBRARY = Path(__file__).resolve().parents[2] / "policies"

BASE = {
    "kustomization.yaml": "resources: [deployment.yaml]\n",
    "deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: nginx:latest
""",
}


def _overlay(root: Path, env: str, patch: str = "") -> None:
    folder = root / "api" / "overlays" / env
    folder.mkdir(parents=True, exist_ok=True)
    text = f"namespace: api-{env}\nresources: [../../base]\n"
    if patch:
        (folder / "patch.yaml").write_text(patch)
        text += "patches: [{path: patch.yaml}]\n"
    (folder / "kustomization.yaml").write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in BASE.items():
        path = tmp_path / "api" / "base" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _overlay(tmp_path, "dev")
    _overlay(tmp_path, "prod")
    return tmp_path


def _findings(repo: Path, fmt: str = "json") -> tuple[list[dict[str, object]], str]:
    code, out, err = invoke("check", str(repo), "--policy", str(LIBRARY), "--namespace",
                            "k8s.image_tag", "-o", fmt)
    assert code == 1, err
    if fmt != "json":
        return [], out
    return [f for f in json.loads(out)["findings"] if f["rule_id"] == "K8S-006"], out


def test_one_finding_lists_every_overlay(repo: Path) -> None:
    findings, _ = _findings(repo)
    assert len(findings) == 1
    (finding,) = findings
    assert finding["path"] == "api/base/deployment.yaml"
    assert finding["line"] == 12
    assert finding["targets"] == ["api/overlays/dev", "api/overlays/prod"]
    assert finding["target"] == "api/overlays/dev"
    resource = finding["resource"]
    assert isinstance(resource, dict)
    assert resource["namespace"] == ""  # the overlays place it in different namespaces
    _, text = _findings(repo, "text")
    assert "(rendered by api/overlays/dev, api/overlays/prod)" in text


def test_the_fingerprint_survives_a_new_overlay(repo: Path) -> None:
    (before,), _ = _findings(repo)
    _overlay(repo, "staging")
    (after,), _ = _findings(repo)
    assert after["targets"] == ["api/overlays/dev", "api/overlays/prod", "api/overlays/staging"]
    assert after["fingerprint"] == before["fingerprint"]


def test_different_findings_per_overlay_stay_apart(repo: Path) -> None:
    patch = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
             "    spec:\n      containers:\n        - name: api\n          image: nginx\n")
    _overlay(repo, "prod", patch)
    findings, _ = _findings(repo)
    assert sorted((f["path"], tuple(f["targets"])) for f in findings) == [  # type: ignore[arg-type]
        ("api/base/deployment.yaml", ("api/overlays/dev",)),
        ("api/overlays/prod/patch.yaml", ("api/overlays/prod",))]


def test_a_turned_off_finding_reached_through_several_overlays_is_counted_once(repo: Path) -> None:
    """The finding merged into one is one skipped entry when its rule is off, not one per overlay."""
    code, out, err = invoke("check", str(repo), "--policy", str(LIBRARY), "--namespace",
                            "k8s.image_tag", "--rule", "K8S-006=off", "-o", "json")
    assert code == 0, err
    report = json.loads(out)
    turned_off = [s for s in report["skipped"] if "K8S-006 turned off" in s["reason"]]
    assert [s["path"] for s in turned_off] == ["api/base/deployment.yaml:12"]
    assert {"count": 1, "reason": "not reported: rule turned off", "what": "finding"} in report[
        "summary"]["not_checked"]
