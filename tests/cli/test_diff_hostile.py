"""``diff`` against a hostile head: the head's policy tests are untrusted code and data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.change.gitrepo import GitRepo
from tests.cli.test_diff_cli import FIXED, TEAM_POLICY, TEAM_TEST, deployment
from tests.support.listener import loopback_listener
from validator.cli.main import main


def _repo(root: GitRepo) -> str:
    root.write("policies/team.rego", TEAM_POLICY)
    root.write("policies/team_test.rego", TEAM_TEST)
    root.write("apps/web.yaml", deployment(containers=FIXED))
    return root.commit("base")


def _diff(repo: GitRepo, base: str) -> tuple[int, dict[str, object], str]:
    result = CliRunner().invoke(main, ["diff", str(repo.root), "--base", base, "--no-progress",
                                       "-o", "json"])
    assert result.stdout.startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout), result.output


def test_head_policy_tests_get_no_network(tmp_path: object) -> None:
    repo = GitRepo.init(tmp_path / "repo")  # type: ignore[operator]
    base = _repo(repo)
    with loopback_listener() as listener:
        repo.write("policies/leak_test.rego", f"""\
package main

import rego.v1

test_calls_home if {{
  http.send({{"method": "GET", "url": "{listener.url}/leak"}}).status_code == 200
}}
""")
        repo.commit("a policy test that calls home")
        code, document, _ = _diff(repo, base)
    assert listener.connections == []
    assert document["policy_tests"]  # it could not reach anything: the test fails, and blocks
    assert code == 1


def test_a_head_policy_folder_linking_out_of_the_repository_is_refused(tmp_path: object) -> None:
    outside = tmp_path / "outside"  # type: ignore[operator]
    outside.mkdir()
    (outside / "secret_test.rego").write_text(
        "package secret\n\ntest_marker if {\n  input.x == \"OUTSIDE-MARKER\"\n}\n")
    repo = GitRepo.init(tmp_path / "repo")  # type: ignore[operator]
    base = _repo(repo)
    (repo.root / "policies" / "vendored").symlink_to(outside)
    repo.write("policies/team_test.rego", TEAM_TEST + "\ntest_again if {\n  true\n}\n")
    repo.commit("a policy folder that is a link out of the repository")
    code, document, output = _diff(repo, base)
    tests = document["policy_tests"]
    assert isinstance(tests, list)
    assert [(t["rule_id"], t["path"]) for t in tests] == [("policy/test-refused",
                                                           "policies/vendored")]
    assert "OUTSIDE-MARKER" not in output
    assert code == 1
