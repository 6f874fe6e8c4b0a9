"""Umbrella charts whose dependencies come from a chart repository: fetched (allowlisted,
pinned), rendered by the real helm from a copy with charts/ filled, the checkout untouched."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.render.helpers import write
from tests.support.helm_repo import HelmRepo, helm_repository, write_chart
from validator.charts import ChartsConfig, ChartSettings
from validator.charts.config import ChartRepository
from validator.charts.umbrella import prepare_chart
from validator.errors import CommandError
from validator.options import CheckOptions
from validator.process import run_args, scrubbed_env
from validator.render import RenderResult, RenderSettings, discover_targets, render_targets
from validator.render.helm import helm_command
from validator.render.options import HelmOptions
from validator.render.targets import Target, TargetKind
from validator.repo_config import load_repo_config
from validator.run_scope import run_scope
from validator.service import CheckRequest, run_check


@pytest.fixture
def served(tmp_path: Path) -> Iterator[HelmRepo]:
    with helm_repository(tmp_path / "served") as repo:
        repo.add(write_chart(tmp_path / "src", "demo", "1.2.3", values="port: 8080\n",
                             templates={"svc.yaml": _SERVICE}))
        yield repo


_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-demo
spec:
  ports:
    - port: {{ .Values.port }}
"""


def _umbrella(root: Path, repository: str, version: str = "1.2.3") -> None:
    write(root, "charts/shop/Chart.yaml", f"""\
apiVersion: v2
name: shop
version: 0.1.0
dependencies:
  - name: demo
    version: "{version}"
    repository: {repository}
""")
    write(root, "charts/shop/values.yaml", "demo:\n  port: 9090\n")
    write(root, "charts/shop/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"
          "metadata:\n  name: shop\n")


def _render(root: Path, tmp_path: Path, *urls: str) -> RenderResult:
    charts = ChartSettings(config=ChartsConfig(repositories=tuple(
        ChartRepository(url=url) for url in urls)), root=root, cache_dir=tmp_path / "cache",
        environ={})
    with run_scope():
        return render_targets(discover_targets(root, [root], load_repo_config(root)),
                              RenderSettings(charts=charts), root=root)


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_an_umbrella_chart_renders_with_its_dependency_from_an_allowlisted_repository(
        served: HelmRepo, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    before = _files(root)
    result = _render(root, tmp_path, served.url)
    assert result.findings == ()
    kinds = {(d.kind, d.resource.name) for d in result.documents}
    assert kinds == {("ConfigMap", "shop"), ("Service", "shop-demo")}
    service = next(d for d in result.documents if d.kind == "Service")
    assert service.body["spec"]["ports"] == [{"port": 9090}]  # the parent's values reach it
    assert _files(root) == before  # nothing written into the checkout (no charts/ folder)
    assert served.requests == ["/index.yaml", "/demo-1.2.3.tgz"]


def test_a_dependency_from_a_repository_not_allowed_keeps_the_chart_unrendered(
        served: HelmRepo, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    result = _render(root, tmp_path, "https://charts.example.com")
    assert result.documents == ()
    (finding,) = result.findings
    assert (finding.rule_id, finding.location.path, finding.location.line) == (
        "render/helm-dependency-missing", "charts/shop/Chart.yaml", 5)
    for named in ("'demo'", "'1.2.3'", served.url, "charts.repositories"):
        assert named in finding.message
    assert served.requests == []


def test_a_dependency_version_range_is_a_finding(served: HelmRepo, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    _umbrella(root, served.url, version="^1.2.0")
    result = _render(root, tmp_path, served.url)
    assert result.documents == ()
    assert [(f.rule_id, f.location.line) for f in result.findings] == [
        ("agent/chart-version-not-pinned", 5)]
    assert served.requests == []


def test_a_check_run_fetches_with_the_charts_section_of_the_configuration(
        served: HelmRepo, tmp_path: Path) -> None:
    """End to end: ``check`` of a repository whose configuration allowlists the repository."""
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    write(root, ".gitops-validator.yaml", f"charts:\n  repositories:\n    - url: {served.url}\n"
          f"  cache_dir: {tmp_path / 'run-cache'}\n")
    result = run_check(CheckRequest(root=root, options=CheckOptions(no_policy=True,
                                                                    no_schema=True)))
    assert [f.rule_id for f in result.report.findings] == []
    assert served.requests == ["/index.yaml", "/demo-1.2.3.tgz"]
    assert (tmp_path / "run-cache" / "v1" / "refs").is_dir()


def test_a_chart_with_a_link_leaving_the_repository_is_neither_fetched_for_nor_copied(
        served: HelmRepo, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    outside = write(tmp_path, "outside/secret.yaml", "apiVersion: v1\nkind: Secret\n")
    (root / "charts/shop/templates/secret.yaml").symlink_to(outside)
    result = _render(root, tmp_path, served.url)
    assert result.documents == ()
    assert [f.rule_id for f in result.findings] == ["render/symlink-escape"]
    assert served.requests == []


def test_links_inside_the_repository_are_copied_as_their_content(
        served: HelmRepo, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    write(root, "shared/cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n")
    (root / "charts/shop/templates/cm2.yaml").symlink_to("../../../shared/cm2.yaml")
    result = _render(root, tmp_path, served.url)
    assert result.findings == ()
    assert ("ConfigMap", "shared") in {(d.kind, d.resource.name) for d in result.documents}


def test_one_dependency_under_two_aliases_is_fetched_once_and_rendered_twice(
        served: HelmRepo, tmp_path: Path) -> None:
    root = tmp_path / "checkout"
    write(root, "charts/shop/Chart.yaml", f"""\
apiVersion: v2
name: shop
version: 0.1.0
dependencies:
  - {{name: demo, version: 1.2.3, repository: "{served.url}", alias: first}}
  - {{name: demo, version: 1.2.3, repository: "{served.url}", alias: second}}
""")
    write(root, "charts/shop/values.yaml", "first:\n  port: 1\nsecond:\n  port: 2\n")
    result = _render(root, tmp_path, served.url)
    ports = sorted(d.body["spec"]["ports"][0]["port"] for d in result.documents
                   if d.kind == "Service")
    assert ports == [1, 2]
    assert served.requests == ["/index.yaml", "/demo-1.2.3.tgz"]


def test_two_versions_of_one_dependency_under_aliases_are_both_fetched(
        served: HelmRepo, tmp_path: Path) -> None:
    served.add(write_chart(tmp_path / "src13", "demo", "1.3.0", values="port: 8080\n",
                           templates={"svc.yaml": _SERVICE.replace("-demo", "-demo13")}))
    root = tmp_path / "checkout"
    write(root, "charts/shop/Chart.yaml", f"""\
apiVersion: v2
name: shop
version: 0.1.0
dependencies:
  - {{name: demo, version: 1.2.3, repository: "{served.url}", alias: old}}
  - {{name: demo, version: 1.3.0, repository: "{served.url}", alias: new}}
""")
    result = _render(root, tmp_path, served.url)
    assert result.findings == ()
    assert sorted(d.resource.name for d in result.documents) == ["shop-demo", "shop-demo13"]


def test_a_chart_fetched_for_an_agent_object_is_used_as_it_is(tmp_path: Path) -> None:
    """A reader's target of a fetched chart (``chart_root``) names no chart folder of the
    repository: there is no Chart.yaml of the repository to read for dependencies."""
    root = tmp_path / "checkout"
    write(root, "flux/release.yaml", "kind: HelmRelease\n")
    target = Target(kind=TargetKind.HELM, path="flux/release.yaml", name="HelmRelease x/y",
                    reason="test", helm=HelmOptions(chart_root=str(tmp_path / "cache/demo")))
    assert prepare_chart(root, target, ChartSettings()) == (target, [])


def test_credentials_of_the_fetch_never_reach_the_render(
        served: HelmRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served.credentials = ("reader", "s3cret")
    for key, value in (("USERNAME", "reader"), ("PASSWORD", "s3cret")):
        monkeypatch.setenv(f"GITOPS_VALIDATOR_CHART_PRIVATE_{key}", value)
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    charts = ChartSettings(config=ChartsConfig(repositories=(
        ChartRepository(url=served.url, name="private"),)), root=root, cache_dir=tmp_path / "c")
    target = Target(kind=TargetKind.HELM, path="charts/shop", name="charts/shop", reason="test",
                    release_name="shop", namespace="default", inputs=("charts/shop/Chart.yaml",))
    with run_scope():  # the copy lives in the run's temporary folder
        prepared, findings = prepare_chart(root, target, charts)
    assert findings == []
    assert served.auth_headers[-1].startswith("Basic ")  # the fetch used them
    command = helm_command(prepared, root=root, settings=RenderSettings(charts=charts),
                           home=tmp_path / "home")
    child_env = scrubbed_env(command.env)  # what the helm template child is given
    assert not [k for k in child_env if k.startswith("GITOPS_VALIDATOR_CHART_")]
    assert "s3cret" not in " ".join((*command.args, *child_env.values()))
    assert command.isolate_network


_PREPARE = """
import sys
from pathlib import Path
import validator.render
from validator.charts import ChartsConfig, ChartSettings
from validator.charts.config import ChartRepository
from validator.charts.umbrella import prepare_chart
from validator.render.targets import Target, TargetKind
root, url, cache = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
charts = ChartSettings(config=ChartsConfig(repositories=(ChartRepository(url=url),)), root=root,
                       cache_dir=cache, environ={})
target = Target(kind=TargetKind.HELM, path="charts/shop", name="charts/shop", reason="test",
                release_name="shop", namespace="default", inputs=("charts/shop/Chart.yaml",))
for finding in prepare_chart(root, target, charts)[1]:
    print(finding.rule_id, finding.location.path, finding.message)
"""


def test_folder_links_inside_an_umbrella_chart_cannot_multiply_its_copy(
        served: HelmRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy follows links; ``d/a -> .`` and ``d/b -> .`` (inside the repository, so not
    refused as leaving it) made it copy ``d`` 2^n times, n as deep as a path allows."""
    root = tmp_path / "checkout"
    _umbrella(root, served.url)
    loop = root / "charts/shop/files/d"
    loop.mkdir(parents=True)
    (loop / "a").symlink_to(".")
    (loop / "b").symlink_to(".")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    try:
        result = run_args([sys.executable, "-c", _PREPARE, str(root), served.url,
                           str(tmp_path / "cache")], timeout=30)
    except CommandError:
        pytest.fail("the copy of the umbrella chart did not finish in 30 s")
    printed = result.stdout.decode()
    assert "render/helm-failed charts/shop/Chart.yaml" in printed
    assert "charts/shop/files/d/a" in printed
