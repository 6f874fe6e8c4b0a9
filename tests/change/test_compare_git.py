"""The comparison with git's own rename detection and with real Helm renders.

A real repository is committed twice (a violation's file renamed and edited in
between); both commits are checked by the real pipeline, and the rename map comes from
``git diff --name-status -M`` between them, as the diff command's change module reads it.
"""

from __future__ import annotations

from pathlib import Path

from tests.change.test_compare_e2e import APP, PROXY, deployment
from tests.change.trees import check_tree, compare_trees, status_of, write_tree
from validator.change.compare import compare_reports
from validator.model import FindingStatus
from validator.process import Command, run

_IDENTITY = ("-c", "user.name=test", "-c", "user.email=test@example.com",
             "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main")


def git(repo: Path, *args: str) -> str:
    return run(Command(args=("git", *_IDENTITY, *args), cwd=repo, timeout=60)).stdout.decode()


def renames_between(repo: Path, base: str, head: str) -> dict[str, str]:
    """Base path -> head path of every rename git detects between two commits."""
    fields = git(repo, "diff", "--name-status", "-M", "-z", base, head).split("\0")
    renames: dict[str, str] = {}
    i = 0
    while i < len(fields) - 1:
        status = fields[i]
        if status.startswith(("R", "C")):
            if status.startswith("R"):
                renames[fields[i + 1]] = fields[i + 2]
            i += 3
        else:
            i += 2
    return renames


def test_a_file_renamed_and_edited_keeps_its_violation_existing_with_gits_rename_map(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "apps" / "web.yaml").write_text(deployment())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base_sha = git(repo, "rev-parse", "HEAD").strip()
    base_report = check_tree(repo)

    (repo / "apps" / "frontend").mkdir()
    git(repo, "mv", "apps/web.yaml", "apps/frontend/web.yaml")
    (repo / "apps" / "frontend" / "web.yaml").write_text("# the shop's frontend\n" + deployment())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    head_report = check_tree(repo)

    renames = renames_between(repo, base_sha, "HEAD")
    assert renames == {"apps/web.yaml": "apps/frontend/web.yaml"}
    report = compare_reports(head=head_report, base=base_report, renames=renames)
    assert status_of(report, "K8S-001") == [(FindingStatus.EXISTING, "apps/frontend/web.yaml", 16)]
    assert {f.status for f in report.findings} == {FindingStatus.EXISTING}
    assert report.fixed == ()


CHART = {
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
    "charts/shop/values.yaml": "replicas: 2\n",
}


def _chart(containers: str) -> dict[str, str]:
    template = deployment(containers).replace("name: web", "name: {{ .Release.Name }}-web").replace(
        "replicas: 2", "replicas: {{ .Values.replicas }}").replace("  namespace: shop\n", "")
    return {**CHART, "charts/shop/templates/deployment.yaml": template}


def test_a_container_inserted_in_a_helm_template_keeps_the_others_findings_existing(
        tmp_path: Path) -> None:
    base = write_tree(tmp_path / "base", _chart(APP))
    head = write_tree(tmp_path / "head", _chart(PROXY + APP))
    report = compare_trees(base, head)
    assert status_of(report, "K8S-001") == [
        (FindingStatus.EXISTING, "charts/shop/templates/deployment.yaml", 16)]
    assert {f.status for f in report.findings if "container 'app'" in f.message} == {
        FindingStatus.EXISTING}
    assert {f.status for f in report.findings if "container 'proxy'" in f.message} == {
        FindingStatus.NEW}
    assert report.fixed == ()
