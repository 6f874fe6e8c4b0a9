"""Findings land on the offending field's line and carry the rule's METADATA; shared servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.policy.peer import Run, evaluate, opa_children
from validator.errors import PolicyError
from validator.model import Engine, ResourceRef, Severity
from validator.policy import RegoVersion
from validator.policy.modules import PolicyModule, select_namespaces
from validator.policy.results import exception_name, parse_field_path
from validator.policy.server import local_opa_server


@pytest.fixture(autouse=True)
def _no_opa_left_behind() -> Iterator[None]:
    yield
    assert opa_children() == [], "an opa server started by the test is still running"


def test_a_result_with_a_path_lands_on_that_fields_line() -> None:
    result = evaluate(Run(case="locations", files=("deploy.yaml",)))
    where = {(f.rule_id, f.location.line, f.location.field) for f in result.findings}
    assert where == {
        # "path" as a list: the image line of the second container
        ("main.deny", 22, "spec.template.spec.containers[1].image"),
        # "path" as text
        ("main.warn", 23, "spec.template.spec.containers[1].resources"),
        # no path: the object's first line (line 9, after the --- separator)
        ("main.violation", 9, ""),
    }
    for finding in result.findings:
        assert finding.engine is Engine.POLICY
        assert finding.location.path == "deploy.yaml"
        assert finding.resource == ResourceRef(api_version="apps/v1", kind="Deployment", name="web")


def test_metadata_gives_id_title_severity_and_help_link() -> None:
    result = evaluate(Run(case="basic", files=("deployment.yaml",)))
    by_message = {f.message: f for f in result.findings}
    root = by_message["Deployment web: containers must not run as root"]
    assert (root.rule_id, root.severity, root.title, root.help_uri) == (
        "K8S-001", Severity.ERROR, "Containers must not run as root",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/")
    assert by_message["container web has no readiness probe"].severity is Severity.INFO
    assert by_message["container web uses the latest tag"].severity is Severity.WARNING
    assert by_message["container web uses the latest tag"].rule_id == "main.warn"
    rules = {rule.id: rule for rule in result.rules}
    assert rules["K8S-001"].description == "Set securityContext.runAsNonRoot on every container."
    assert set(rules) == {"K8S-001", "main.warn", "main.violation", "main.deny_missing_team",
                          "main.warn_no_probe"}


def test_combined_results_point_at_the_rule_in_the_policy() -> None:
    result = evaluate(Run(case="combine", files=("a.yaml", "b.yaml"), combine=True))
    assert {(f.location.path, f.location.line, f.resource) for f in result.findings} == {
        ("policy/combine.rego", 3, None), ("policy/combine.rego", 11, None)}


def test_exceptions_are_reported_as_skipped() -> None:
    result = evaluate(Run(case="exceptions", files=("workloads.yaml",)))
    assert sorted(s.reason for s in result.skipped) == [
        "policy rule main.deny excepted by data.main.exception (1 result(s) dropped)",
        "policy rule main.deny_run_as_root excepted by data.main.exception (1 result(s) dropped)",
        "policy rule main.warn_latest excepted by data.main.exception (1 result(s) dropped)",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("spec.containers[0].image", ("spec", "containers", 0, "image")),
    ('metadata.annotations["a.b/c"]', ("metadata", "annotations", "a.b/c")),
    (["spec", "containers", 1], ("spec", "containers", 1)),
    ("", None), (["spec", 1.5], None), (["spec", True], None), (7, None),
])
def test_field_paths_from_results(text: object, expected: object) -> None:
    assert parse_field_path(text) == expected


def test_exception_names_drop_the_rule_prefix_as_conftest_does() -> None:
    assert [exception_name(r) for r in ("deny", "warn", "violation", "deny_root", "warn_x_y")] == [
        "", "", "", "root", "x_y"]


def test_a_shared_server_gets_the_policies_and_data_only_for_the_run() -> None:
    run = Run(case="data", files=("deploy.yaml",), data=("data",))
    local = evaluate(run)
    with local_opa_server(rego_version=RegoVersion.V1) as server:
        auth = {"Authorization": f"Bearer {server.token}"}
        before = requests.get(f"{server.url}/v1/policies", headers=auth, timeout=5).json()
        requests.put(f"{server.url}/v1/data/keep", json={"me": 1}, headers=auth,
                     timeout=5).raise_for_status()
        shared = evaluate(run, opa_url=server.url, opa_token=server.token)
        after = requests.get(f"{server.url}/v1/policies", headers=auth, timeout=5).json()
        assert [p["id"] for p in after["result"]] == [p["id"] for p in before["result"]]
        assert requests.get(f"{server.url}/v1/data", headers=auth, timeout=5).json()[
            "result"] == {"keep": {"me": 1}}
        with pytest.raises(PolicyError, match="unauthorized"):
            evaluate(run, opa_url=server.url, opa_token="wrong")
    assert shared == local
    assert len(shared.findings) == 2


def test_the_local_server_refuses_requests_without_the_runs_token() -> None:
    with local_opa_server(rego_version=RegoVersion.V1) as server:
        assert requests.get(f"{server.url}/v1/policies", timeout=5).status_code == 401
        assert requests.get(f"{server.url}/health", timeout=5).status_code == 401


def test_an_unreachable_shared_server_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match=r"cannot reach the OPA server at http://127\.0\.0\.1:9 "
                       r"while uploading a policy: Connection refused"):
        evaluate(Run(case="basic", files=("service.json",)), opa_url="http://127.0.0.1:9",
                 timeout=2.0)


def test_metadata_is_attributed_by_rule_name_then_package() -> None:
    result = evaluate(Run(case="metadata", files=("service.yaml",)))
    got = {f.message: (f.rule_id, f.title, f.severity, f.help_uri) for f in result.findings}
    package = ("Platform rules", Severity.WARNING, "https://example.com/platform")
    assert got == {
        "a": ("main.deny_a", *package),
        # two different METADATA blocks for deny_b: ambiguous, so the package's
        "b1": ("main.deny_b", *package), "b2": ("main.deny_b", *package),
        # one annotated body of deny_c: it applies to every body
        "c1": ("C-1", "Rule C", Severity.ERROR, ""), "c2": ("C-1", "Rule C", Severity.ERROR, ""),
    }


def test_an_unknown_severity_in_metadata_is_an_error() -> None:
    with pytest.raises(PolicyError, match=r"^policy/bad\.rego: METADATA of main\.deny: "
                                          r"custom\.severity: unknown severity 'critical'"):
        evaluate(Run(case="bad_severity", files=("service.yaml",)))


@pytest.mark.parametrize(("patterns", "expected"), [
    (("main",), ("main",)), (("other", "main", "main"), ("other", "main")),
    (("k8s.*",), ("k8s.apps", "k8s.security")), (("k8s.[^a]*",), ("k8s.security",)),
    (("*",), ("k8s.apps", "k8s.security", "main", "other")), (("m*", "main"), ("main",)),
])
def test_namespace_selection_follows_conftest(patterns: tuple[str, ...],
                                              expected: tuple[str, ...]) -> None:
    modules = [PolicyModule(path=f"{ns}.rego", package=tuple(ns.split(".")))
               for ns in ("main", "k8s.apps", "k8s.security", "other")]
    assert select_namespaces(modules, patterns, all_namespaces=False) == expected
    assert select_namespaces(modules, patterns, all_namespaces=True) == (
        "k8s.apps", "k8s.security", "main", "other")


def test_a_policy_path_with_a_colon_is_pushed_instead_of_loaded(tmp_path: Path) -> None:
    run = Run(case="basic", files=("deployment.yaml",))
    odd = tmp_path / "team:web"
    odd.mkdir()
    (odd / "deployment.rego").write_text((run.root / "policy" / "deployment.rego").read_text())
    result = evaluate(run, policy_dirs=(odd,))
    assert [f.message for f in result.findings] == [
        f.message for f in evaluate(run).findings]
    assert result.findings
