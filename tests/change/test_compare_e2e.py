"""New / existing / fixed on real findings: two trees checked by the real pipeline (schemas,
the bundled policies on a real OPA, real kustomize), then compared."""

from __future__ import annotations

from pathlib import Path

from tests.change.trees import compare_trees, status_of, write_tree
from validator.change.block import Block
from validator.config import FailOn
from validator.model import FindingStatus
from validator.pipeline import diff_exit_code

NEW, EXISTING, FIXED = FindingStatus.NEW, FindingStatus.EXISTING, FindingStatus.FIXED

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
{containers}"""

APP = """\
        - name: app
          image: nginx:1.27
          securityContext: {privileged: true}
"""
PROXY = """\
        - name: proxy
          image: envoyproxy/envoy:v1.31.0
"""


def deployment(containers: str = APP, replicas: str = "2") -> str:
    return DEPLOYMENT.format(replicas=replicas, containers=containers)


def test_a_container_inserted_before_a_privileged_one_keeps_its_findings_existing(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", {"apps/web.yaml": deployment()})
    head = write_tree(tmp_path / "head", {"apps/web.yaml": deployment(PROXY + APP)})
    report = compare_trees(base, head)
    assert status_of(report, "K8S-001") == [(EXISTING, "apps/web.yaml", 17)]
    app = [f for f in report.findings if "container 'app'" in f.message]
    proxy = [f for f in report.findings if "container 'proxy'" in f.message]
    assert app
    assert {f.status for f in app} == {EXISTING}
    assert proxy  # the inserted container has findings of its own, and only those are new
    assert {f.status for f in proxy} == {NEW}
    assert report.fixed == ()


def test_unrelated_lines_inserted_above_keep_a_violation_existing(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", {"apps/web.yaml": deployment()})
    labelled = deployment().replace("  namespace: shop\n", "  namespace: shop\n  labels:\n"
                                    "    team: payments\n    tier: frontend\n")
    head = write_tree(tmp_path / "head", {"apps/web.yaml": "# owned by payments\n" + labelled})
    report = compare_trees(base, head)
    assert status_of(report, "K8S-001") == [(EXISTING, "apps/web.yaml", 19)]
    assert {f.status for f in report.findings} == {EXISTING}
    assert report.fixed == ()


def test_reformatting_keeps_findings_existing(tmp_path: Path) -> None:
    flow = deployment(replicas='"two"', containers="        - {name: app, image: nginx:1.27, "
                      "securityContext: {privileged: true}}\n")
    base = write_tree(tmp_path / "base", {"apps/web.yaml": flow})
    head = write_tree(tmp_path / "head", {"apps/web.yaml": deployment(replicas='"two"')})
    report = compare_trees(base, head)
    assert status_of(report, "schema/type") == [(EXISTING, "apps/web.yaml", 7)]
    assert status_of(report, "K8S-001") == [(EXISTING, "apps/web.yaml", 15)]
    assert report.fixed == ()
    assert diff_exit_code(report, FailOn.ERROR, Block.NEW) == 0
    assert diff_exit_code(report, FailOn.ERROR, Block.ALL) == 1


def test_a_renamed_file_keeps_its_violation_existing(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", {"apps/web.yaml": deployment()})
    head = write_tree(tmp_path / "head", {"apps/frontend/deployment.yaml": deployment()})
    report = compare_trees(base, head, {"apps/web.yaml": "apps/frontend/deployment.yaml"})
    assert status_of(report, "K8S-001") == [(EXISTING, "apps/frontend/deployment.yaml", 15)]
    assert report.fixed == ()
    unmapped = compare_trees(base, head)  # git's rename map is what keeps them
    assert status_of(unmapped, "K8S-001") == [(NEW, "apps/frontend/deployment.yaml", 15),
                                              (FIXED, "apps/web.yaml", 15)]


def test_a_fixed_violation_is_fixed_and_does_not_block(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", {"apps/web.yaml": deployment()})
    head = write_tree(tmp_path / "head", {"apps/web.yaml": deployment(
        APP.replace("privileged: true", "privileged: false"))})
    report = compare_trees(base, head)
    assert status_of(report, "K8S-001") == [(FIXED, "apps/web.yaml", 15)]
    assert {f.status for f in report.findings} == {EXISTING}
    assert diff_exit_code(report, FailOn.ERROR, Block.NEW) == 0


def test_a_deleted_file_has_only_fixed_findings(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", {"apps/web.yaml": deployment(), "apps/keep.yaml": CONFIGMAP})
    head = write_tree(tmp_path / "head", {"apps/keep.yaml": CONFIGMAP})
    report = compare_trees(base, head)
    assert report.findings == ()
    assert report.fixed
    assert {f.status for f in report.fixed} == {FIXED}
    assert {f.location.path for f in report.fixed} == {"apps/web.yaml"}


CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {key: value}
"""

KUSTOMIZE_BASE = {
    "apps/api/base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "apps/api/base/deployment.yaml": deployment().replace("name: web", "name: api")
    .replace("  namespace: shop\n", ""),
}


def _overlays(patch: str = "") -> dict[str, str]:
    files = dict(KUSTOMIZE_BASE)
    for env in ("dev", "prod"):
        text = f"namespace: api-{env}\nresources: [../../base]\n"
        if env == "prod" and patch:
            files[f"apps/api/overlays/{env}/patch.yaml"] = patch
            text += "patches: [{path: patch.yaml}]\n"
        files[f"apps/api/overlays/{env}/kustomization.yaml"] = text
    return files


def test_a_container_inserted_in_a_shared_base_keeps_rendered_findings_existing(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", _overlays())
    files = _overlays()
    files["apps/api/base/deployment.yaml"] = deployment(PROXY + APP).replace(
        "name: web", "name: api").replace("  namespace: shop\n", "")
    head = write_tree(tmp_path / "head", files)
    report = compare_trees(base, head)
    privileged = [f for f in report.findings if f.rule_id == "K8S-001"]
    assert [(f.status, f.location.path, f.location.line) for f in privileged] == [
        (EXISTING, "apps/api/base/deployment.yaml", 16)]
    assert privileged[0].all_targets == ("apps/api/overlays/dev", "apps/api/overlays/prod")
    assert report.fixed == ()


PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      hostNetwork: true
"""


def test_a_new_violation_in_an_overlay_patch_is_new_on_the_patch_line(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", _overlays())
    head = write_tree(tmp_path / "head", _overlays(PATCH))
    report = compare_trees(base, head)
    new = [(f.rule_id, f.location.path, f.location.line) for f in report.findings if f.status is NEW]
    assert new == [("K8S-009", "apps/api/overlays/prod/patch.yaml", 8)]
    assert status_of(report, "K8S-001") == [(EXISTING, "apps/api/base/deployment.yaml", 14)]
    assert report.fixed == ()
    assert diff_exit_code(report, FailOn.ERROR, Block.NEW) == 1


def test_identical_findings_are_matched_by_count(tmp_path: Path) -> None:
    """Two copies of one object in one file give two identical findings; a third copy brings
    exactly one new one."""
    bad = "---\n" + deployment(replicas='"two"').replace("        - name: app", "        - name: app")
    base = write_tree(tmp_path / "base", {"apps/web.yaml": bad * 2})
    head = write_tree(tmp_path / "head", {"apps/web.yaml": bad * 3})
    report = compare_trees(base, head, {}, "--no-policy")
    statuses = sorted(str(status) for status, _, _ in status_of(report, "schema/type"))
    assert statuses == ["existing", "existing", "new"]


def _with_volumes(volumes: str) -> str:
    return deployment(APP.replace("privileged: true", "privileged: false")) + (
        "      volumes:\n" + volumes)


HOST_VOLUME = "        - name: docker\n          hostPath: {path: /var/run/docker.sock}\n"
CACHE_VOLUME = "        - name: cache\n          emptyDir: {}\n"


def test_a_volume_inserted_before_a_host_path_volume_keeps_it_existing(tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", {"apps/web.yaml": _with_volumes(HOST_VOLUME)})
    head = write_tree(tmp_path / "head", {"apps/web.yaml": _with_volumes(CACHE_VOLUME + HOST_VOLUME)})
    report = compare_trees(base, head)
    assert status_of(report, "K8S-008", message="volume 'docker'") == [
        (EXISTING, "apps/web.yaml", 20)]
    assert report.fixed == ()
    assert {f.status for f in report.findings} == {EXISTING}
