"""evaluate_policies gives exactly the results of the real conftest on the same files and flags."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.policy.peer import Run, conftest, opa_children, ours, shared_server
from validator.errors import PolicyError
from validator.policy import RegoVersion

RUNS = {
    "deny-warn-violation-and-name-variants": Run(
        case="basic", files=("deployment.yaml", "multi.yaml", "service.json")),
    "one-namespace": Run(case="namespaces", files=("app.yaml",), namespaces=("k8s.apps",)),
    "namespace-glob": Run(case="namespaces", files=("app.yaml",), namespaces=("k8s.*",)),
    "several-namespaces": Run(case="namespaces", files=("app.yaml",),
                              namespaces=("main", "other")),
    "all-namespaces": Run(case="namespaces", files=("app.yaml",), all_namespaces=True),
    "exceptions": Run(case="exceptions", files=("workloads.yaml",)),
    "data": Run(case="data", files=("deploy.yaml",), data=("data",)),
    "data-files-and-subdirectories": Run(case="data", files=("deploy.yaml",),
                                         data=("data/limits.json", "data/registries")),
    "combine": Run(case="combine", files=("a.yaml", "b.yaml"), combine=True),
    "rego-v0": Run(case="rego_v0", files=("deploy.yaml",), rego_version=RegoVersion.V0),
    "locations": Run(case="locations", files=("deploy.yaml",)),
    "imports-in-any-order": Run(case="imports", files=("workloads.yaml",)),
    "library-namespace": Run(case="imports", files=("workloads.yaml",), namespaces=("lib.*",)),
}


@pytest.fixture(autouse=True)
def _no_opa_left_behind() -> Iterator[None]:
    yield
    assert opa_children() == [], "an opa server started by the test is still running"


@pytest.fixture(scope="module")
def shared() -> Iterator[dict[RegoVersion, dict[str, object]]]:
    """One stand-in ``--opa-url`` server per Rego version, shared by the module's tests."""
    with shared_server(RegoVersion.V0) as v0, shared_server(RegoVersion.V1) as v1:
        yield {RegoVersion.V0: v0, RegoVersion.V1: v1}


@pytest.mark.parametrize("run", RUNS.values(), ids=RUNS.keys())
def test_same_results_as_conftest(run: Run, shared: dict[RegoVersion, dict[str, object]]) -> None:
    expected = conftest(run)
    assert expected.results or expected.exceptions, "a case must produce something to compare"
    assert ours(run) == expected
    assert ours(run, **shared[run.rego_version]) == expected


def test_a_namespace_without_policies_is_an_error_not_a_silent_pass() -> None:
    """A deliberate difference: conftest passes when no rule is selected, we refuse."""
    run = Run(case="namespaces", files=("app.yaml",), namespaces=("nope",))
    assert conftest(run).results == ()
    with pytest.raises(PolicyError, match=r"namespace nope \(packages with rules: .*main"):
        ours(run)
    assert ours(Run(case="namespaces", files=("app.yaml",), namespaces=("main",))).results
