"""``gitops-validator diff`` end to end: real git repositories built by the test, the real
kustomize, helm, schemas and OPA, through the CLI (JSON output read back)."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from validator.cli.main import main
from validator.policy import server

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
{containers}"""

APP = """\
        - name: app
          image: nginx:1.27
          securityContext: {privileged: true}
"""
SAFE = """\
        - name: app
          image: nginx:1.27
"""
FIXED = APP.replace("privileged: true", "privileged: false")
PROXY = """\
        - name: proxy
          image: envoyproxy/envoy:v1.31.0
"""

#: A policy of the repository's own: every Deployment needs a team label.
TEAM_POLICY = """\
package main

import rego.v1

# METADATA
# custom:
#   id: TEAM-001
#   severity: error
deny contains msg if {
  input.kind == "Deployment"
  not input.metadata.labels.team
  msg := sprintf("Deployment %s has no team label", [input.metadata.name])
}
"""
TEAM_TEST = """\
package main

import rego.v1

test_no_team_denied if {
  count(deny) == 1 with input as {"kind": "Deployment", "metadata": {"name": "x"}}
}
"""
KUSTOMIZATION = "resources:\n{resources}"


def deployment(name: str = "web", containers: str = APP) -> str:
    return DEPLOYMENT.format(name=name, containers=containers)


def diff(repo: GitRepo, *args: str) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of ``gitops-validator diff ARGS -o json`` run in ``repo``."""
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--no-progress", "--jobs", "2",
                                       "--policy", "builtin", "--policy", "policies", "-o", "json",
                                       *args], catch_exceptions=False)
    assert result.output.startswith("{"), result.output
    return result.exit_code, json.loads(result.output)


def statuses(document: dict[str, Any], rule: str) -> list[tuple[str, str, int]]:
    return [(f["status"], f["path"], f["line"])
            for f in document["findings"] if f["rule_id"] == rule]


def rendered(document: dict[str, Any], side: str = "head") -> list[str]:
    return [t["name"] for t in document["targets"] if t["side"] == side]


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("policies/team.rego", TEAM_POLICY)
    repo.write("policies/team_test.rego", TEAM_TEST)
    return repo


def _overlays(repo: GitRepo) -> None:
    repo.write("apps/base/kustomization.yaml", KUSTOMIZATION.format(resources="- deploy.yaml\n"))
    repo.write("apps/base/deploy.yaml", deployment())
    for name in ("dev", "staging", "prod"):
        repo.write(f"apps/overlays/{name}/kustomization.yaml",
                   f"resources:\n- ../../base\nnamePrefix: {name}-\n")
    repo.write("apps/other/kustomization.yaml", KUSTOMIZATION.format(resources="- deploy.yaml\n"))
    repo.write("apps/other/deploy.yaml", deployment("other", SAFE))


def test_a_base_change_re_renders_exactly_the_three_overlays_sharing_it(repo: GitRepo) -> None:
    _overlays(repo)
    base = repo.commit("base")
    repo.write("apps/base/deploy.yaml", deployment(containers=FIXED))
    repo.commit("fix")
    code, document = diff(repo, "--base", base)
    assert sorted(rendered(document)) == ["apps/overlays/dev", "apps/overlays/prod",
                                          "apps/overlays/staging"]
    assert sorted(rendered(document, "base")) == sorted(rendered(document))
    assert {t["changed_files"][0] for t in document["targets"]} == {"apps/base/deploy.yaml"}
    fixed = statuses(document, "K8S-001")
    assert fixed
    assert {status for status, _, _ in fixed} == {"fixed"}
    assert code == 0


def test_one_overlay_change_renders_only_it_and_a_new_violation_in_its_patch_is_new(
        repo: GitRepo) -> None:
    _overlays(repo)
    base = repo.commit("base")
    repo.write("apps/overlays/dev/kustomization.yaml",
               "resources:\n- ../../base\nnamePrefix: dev-\npatches:\n- path: patch.yaml\n")
    repo.write("apps/overlays/dev/patch.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
               "metadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n"
               "      hostNetwork: true\n")
    repo.commit("dev patch")
    code, document = diff(repo, "--base", base)
    assert rendered(document) == ["apps/overlays/dev"]
    assert rendered(document, "base") == ["apps/overlays/dev"]
    new = [f for f in document["findings"] if f["status"] == "new"]
    assert new
    assert {(f["path"], f["line"]) for f in new} == {
        ("apps/overlays/dev/patch.yaml", 9)}
    assert code == 1


def test_a_readme_only_change_renders_nothing_and_passes(repo: GitRepo) -> None:
    _overlays(repo)
    base = repo.commit("base")
    repo.write("README.md", "# docs\n")
    repo.commit("docs")
    code, document = diff(repo, "--base", base)
    assert document["targets"] == []
    assert document["findings"] == []
    assert document["summary"]["resources"] == 0
    assert code == 0


def test_the_text_summary_counts_one_changed_file_in_the_singular(repo: GitRepo) -> None:
    _overlays(repo)
    base = repo.commit("base")
    repo.write("README.md", "# docs\n")
    repo.commit("docs")
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", base, "--no-progress",
                                       "--no-color"])
    assert ": 1 changed file, the affected targets: 0 rendered on the head" in result.output


def test_a_renamed_file_keeps_its_violation_existing_and_inserted_lines_too(repo: GitRepo) -> None:
    repo.write("apps/web.yaml", deployment())
    base = repo.commit("base")
    repo.git("mv", "apps/web.yaml", "apps/frontend.yaml")
    repo.write("apps/frontend.yaml", "# owned by the shop team\n# second note\n" + deployment())
    repo.commit("rename")
    code, document = diff(repo, "--base", base)
    assert statuses(document, "K8S-001") == [("existing", "apps/frontend.yaml", 17)]
    assert statuses(document, "TEAM-001") == [("existing", "apps/frontend.yaml", 3)]
    assert code == 0
    assert diff(repo, "--base", base, "--block", "all")[0] == 1


def test_a_container_inserted_before_another_keeps_its_findings_existing(repo: GitRepo) -> None:
    repo.write("apps/web.yaml", deployment())
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment(containers=PROXY + APP))
    repo.commit("proxy")
    _, document = diff(repo, "--base", base)
    app = [f["status"] for f in document["findings"] if "container 'app'" in f["message"]]
    proxy = [f["status"] for f in document["findings"] if "container 'proxy'" in f["message"]]
    assert app
    assert set(app) == {"existing"}
    assert proxy
    assert set(proxy) == {"new"}


def test_a_deleted_target_has_only_fixed_findings(repo: GitRepo) -> None:
    _overlays(repo)
    base = repo.commit("base")
    repo.git("rm", "-q", "-r", "apps/overlays/prod")
    repo.commit("drop prod")
    code, document = diff(repo, "--base", base)
    assert rendered(document) == []
    assert rendered(document, "base") == ["apps/overlays/prod"]
    assert {f["status"] for f in document["findings"]} == {"fixed"}
    assert code == 0


def test_a_pr_deleting_a_policy_is_judged_by_it_and_its_head_policy_tests_run(repo: GitRepo) -> None:
    repo.write("apps/web.yaml", deployment(containers=SAFE))
    base = repo.commit("base")
    repo.git("rm", "-q", "policies/team.rego")
    repo.write("apps/web.yaml", deployment(containers=SAFE).replace("replicas: 2", "replicas: 3"))
    repo.commit("drop the team policy")
    code, document = diff(repo, "--base", base, "--block", "all")
    assert document["change"]["trusted"] == base
    assert document["change"]["full_check"] is True
    assert statuses(document, "TEAM-001") == [("existing", "apps/web.yaml", 1)]
    assert document["policy_tests"]  # the head's test no longer has its rule: it fails
    assert code == 1


def test_worktree_sees_uncommitted_edits(repo: GitRepo) -> None:
    repo.write("apps/web.yaml", deployment(containers=SAFE))
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment())  # not committed
    code, document = diff(repo, "--base", base, "--worktree")
    assert statuses(document, "K8S-001") == [("new", "apps/web.yaml", 15)]
    assert code == 1
    code, document = diff(repo, "--base", base)  # the committed head has no such edit
    assert statuses(document, "K8S-001") == []
    assert code == 0


def test_a_bad_ref_is_a_one_line_exit_2_error(repo: GitRepo) -> None:
    repo.write("apps/web.yaml", deployment())
    repo.commit("base")
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", "no-such-branch"])
    assert result.exit_code == 2
    assert "revision 'no-such-branch' does not exist" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_shallow_clone_lacking_the_base_is_a_one_line_exit_2_error(repo: GitRepo,
                                                                     tmp_path: Path) -> None:
    repo.write("apps/web.yaml", deployment())
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment(containers=SAFE))
    repo.commit("head")
    clone = GitRepo(root=tmp_path / "clone")
    GitRepo(root=tmp_path).git("clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone.root))
    result = CliRunner().invoke(main, ["diff", str(clone.root), "--base", base])
    assert result.exit_code == 2
    assert "shallow clone" in result.output
    assert "fetch-depth: 0" in result.output
    assert len(result.output.strip().splitlines()) == 1


CHART = "apiVersion: v2\nname: worker\nversion: 0.1.0\n"
CHART_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  namespace: shop
data:
  size: {{ .Values.size | quote }}
"""
HELM_CONFIG = """\
version: 1
targets:
  helm:
    - {chart: charts/worker, name: worker-prod, release: worker, namespace: shop, values: [values-prod.yaml]}
    - {chart: charts/worker, name: worker-dev, release: worker, namespace: shop, values: [values-dev.yaml]}
"""


def test_a_chart_values_file_change_renders_only_that_value_set(repo: GitRepo) -> None:
    repo.write(".gitops-validator.yaml", HELM_CONFIG)
    repo.write("charts/worker/Chart.yaml", CHART)
    repo.write("charts/worker/values.yaml", "size: small\n")
    repo.write("charts/worker/values-prod.yaml", "size: large\n")
    repo.write("charts/worker/values-dev.yaml", "size: tiny\n")
    repo.write("charts/worker/templates/config.yaml", CHART_TEMPLATE)
    _overlays(repo)
    base = repo.commit("charts")
    repo.write("charts/worker/values-prod.yaml", "size: huge\n")
    repo.commit("prod grows")
    code, document = diff(repo, "--base", base)
    assert rendered(document) == ["worker-prod"]
    assert rendered(document, "base") == ["worker-prod"]
    assert [t["changed_files"] for t in document["targets"]] == [["charts/worker/values-prod.yaml"]] * 2
    objects = document["rendered_diff"]["objects"]
    assert [(o["kind"], o["change"]) for o in objects] == [("ConfigMap", "modified")]
    assert "+  size: huge" in objects[0]["diff"]
    assert code == 0


def test_a_pr_weakening_a_policy_is_judged_by_the_trusted_one(repo: GitRepo) -> None:
    repo.write("apps/web.yaml", deployment(containers=FIXED))
    base = repo.commit("base")
    repo.write("policies/team.rego", TEAM_POLICY.replace("not input.metadata.labels.team",
                                                         "false"))
    repo.write("apps/extra.yaml", deployment("extra", FIXED))
    repo.commit("weaken the team policy and add a team-less deployment")
    code, document = diff(repo, "--base", base)
    assert statuses(document, "TEAM-001") == [("new", "apps/extra.yaml", 1),
                                              ("existing", "apps/web.yaml", 1)]
    assert code == 1
    head = repo.git("rev-parse", "HEAD")
    code, trusting_head = diff(repo, "--base", base, "--trusted-ref", head)  # asked for explicitly
    assert statuses(trusting_head, "TEAM-001") == []
    assert trusting_head["change"]["trusted"] == head


def test_text_shows_the_rendered_diff_policy_tests_and_what_was_compared(repo: GitRepo) -> None:
    _overlays(repo)
    base = repo.commit("base")
    repo.write("apps/base/deploy.yaml", deployment(containers=FIXED))
    repo.git("rm", "-q", "policies/team_test.rego")
    repo.commit("fix, and drop the policy test")
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", base, "--no-progress",
                                       "--policy", "builtin", "--policy", "policies",
                                       "--show-diff", "--no-color"])
    assert ": 2 changed files, every target (a trusted path changed): 4 rendered on the head, " \
        "4 on the base" in result.output
    assert "Policy tests of the head (the change touches policy files):" in result.output
    assert "no policy tests were found" in result.output
    assert "-          privileged: true" in result.output
    assert "+          privileged: false" in result.output
    assert result.exit_code == 1  # no finding is new, but the head's policies have no test left


def test_markdown_and_sarif_outputs_of_a_diff(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("apps/web.yaml", deployment(containers=FIXED))
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment())
    repo.commit("privileged again")
    result = CliRunner().invoke(main, [
        "diff", str(repo.root), "--base", base, "--no-progress", "--policy", "builtin",
        "-o", f"markdown={tmp_path}/c.md", "-o", f"sarif={tmp_path}/r.sarif"])
    assert result.exit_code == 1
    markdown = (tmp_path / "c.md").read_text()
    assert "Rendered diff" in markdown
    assert "privileged" in markdown
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    states = {r["ruleId"]: r.get("baselineState") for r in sarif["runs"][0]["results"]}
    assert states["K8S-001"] == "new"


def test_no_config_in_the_trusted_revision_says_defaults_were_used(tmp_path: Path) -> None:
    bare = GitRepo.init(tmp_path / "bare")
    bare.write("apps/web.yaml", deployment(containers=FIXED))
    base = bare.commit("base")
    bare.write("apps/web.yaml", deployment())
    bare.commit("head")
    result = CliRunner().invoke(main, ["diff", str(bare.root), "--base", base, "--no-progress"])
    assert "Note: the trusted revision has no .gitops-validator.yaml: default settings used." \
        in result.output
    assert "Note: the trusted revision has no policies/ folder" in result.output


def test_the_snapshots_are_removed_after_a_run_and_after_an_error(
        repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    repo.write("apps/web.yaml", deployment())
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment(containers=FIXED))
    repo.commit("head")
    diff(repo, "--base", base)
    assert [p.name for p in temporary.iterdir() if p.name.startswith("gitops-validator-rev-")] == []
    repo.write("policies/broken.rego", "package main\n\ndeny contains msg if {\n")
    broken = repo.commit("a policy that does not compile, trusted from here on")
    repo.write("apps/web.yaml", deployment())
    repo.commit("privileged again")
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", broken, "--no-progress"])
    assert result.exit_code == 2
    assert "broken.rego" in result.output
    assert [p.name for p in temporary.iterdir() if p.name.startswith("gitops-validator-rev-")] == []


def test_base_and_head_share_one_opa_server(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    real = server.local_opa_server

    def counting(**kwargs: Any) -> AbstractContextManager[Any]:
        started.append(1)
        return real(**kwargs)

    monkeypatch.setattr("validator.policy.evaluate.local_opa_server", counting)
    repo.write("apps/web.yaml", deployment())
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment(containers=FIXED))
    repo.commit("head")
    code, document = diff(repo, "--base", base)
    assert statuses(document, "K8S-001") == [("fixed", "apps/web.yaml", 15)]
    assert code == 0
    assert len(started) == 1
