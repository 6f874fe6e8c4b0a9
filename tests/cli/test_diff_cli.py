"""``gitops-validator diff`` end to end: real git repositories built by the test, the real
kustomize, helm, schemas and OPA, through the CLI (JSON output read back)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from validator.cli.main import main

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
               "metadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      hostNetwork: true\n")
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
