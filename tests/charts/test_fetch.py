"""The fetch step against a real Helm repository on loopback (charts packaged by real helm)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.helm_repo import HelmRepo, helm_repository, package, write_chart
from validator.charts import ChartRequest, ChartsConfig, ChartSettings, FetchedChart, fetch_chart
from validator.charts.config import ChartRepository, LocalChart
from validator.model import Finding, Severity


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[HelmRepo]:
    with helm_repository(tmp_path / "served") as served:
        served.add(write_chart(tmp_path / "src", "demo", "1.2.3"))
        yield served


def _settings(tmp_path: Path, *urls: str, **config: object) -> ChartSettings:
    return ChartSettings(
        config=ChartsConfig(repositories=tuple(ChartRepository(url=u, name="local") for u in urls),
                            **config),  # type: ignore[arg-type]
        root=tmp_path / "checkout", cache_dir=tmp_path / "cache", environ={})


def _request(repo: HelmRepo, version: str = "1.2.3", chart: str = "demo") -> ChartRequest:
    return ChartRequest(repo_url=repo.url, chart=chart, version=version,
                        path="apps/demo/release.yaml", line=7)


def test_an_allowlisted_chart_is_fetched_once_then_served_from_the_cache(
        repo: HelmRepo, tmp_path: Path) -> None:
    started = time.monotonic()
    first = fetch_chart(_request(repo), _settings(tmp_path, repo.url + "/"))
    elapsed = time.monotonic() - started
    assert isinstance(first, FetchedChart), first
    assert "name: demo" in (first.path / "Chart.yaml").read_text()
    assert (first.path / "templates" / "configmap.yaml").is_file()
    assert not first.cached
    assert first.digest.startswith("sha256:")
    assert repo.requests == ["/index.yaml", "/demo-1.2.3.tgz"]
    print(f"fetch of demo-1.2.3 from the loopback repository: {elapsed * 1000:.0f} ms")

    again = fetch_chart(_request(repo), _settings(tmp_path, repo.url))  # a new run, same cache
    assert isinstance(again, FetchedChart)
    assert again.cached
    assert again.path == first.path
    assert again.digest == first.digest
    assert repo.requests == ["/index.yaml", "/demo-1.2.3.tgz"]  # no request at all


def test_a_repository_not_on_the_allowlist_is_not_fetched(repo: HelmRepo, tmp_path: Path) -> None:
    result = fetch_chart(_request(repo), _settings(tmp_path, "https://charts.example.com"))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-repository-not-allowed"
    assert result.severity is Severity.WARNING
    assert (result.location.path, result.location.line) == ("apps/demo/release.yaml", 7)
    for named in ("'demo'", "'1.2.3'", repo.url):
        assert named in result.message
    assert repo.requests == []


@pytest.mark.parametrize("version", ["^1.2.0", "~1.2", ">=1.0.0 <2.0.0", "1.x", "latest", "",
                                     "1.2"])
def test_a_version_that_is_not_one_exact_version_is_refused(
        repo: HelmRepo, tmp_path: Path, version: str) -> None:
    result = fetch_chart(_request(repo, version), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-version-not-pinned"
    assert f"version {version!r}" in result.message
    assert repo.requests == []


def test_an_archive_that_does_not_match_the_index_digest_is_refused_and_not_cached(
        repo: HelmRepo, tmp_path: Path) -> None:
    other = package(write_chart(tmp_path / "evil", "demo", "1.2.3",
                                templates={"x.yaml": "kind: Evil\n"}), tmp_path / "evil-out")
    repo.replace_archive(repo.folder / "demo-1.2.3.tgz", other.read_bytes())
    result = fetch_chart(_request(repo), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-digest-mismatch"
    assert "refused" in result.message
    again = fetch_chart(_request(repo), _settings(tmp_path, repo.url))
    assert isinstance(again, Finding)
    assert again.rule_id == "agent/chart-digest-mismatch"
    assert repo.requests.count("/demo-1.2.3.tgz") == 2  # nothing was cached


def test_a_download_over_the_size_limit_is_refused(repo: HelmRepo, tmp_path: Path) -> None:
    big = write_chart(tmp_path / "src2", "big", "1.0.0",
                      templates={"big.yaml": "# " + "x" * 200_000 + "\n"})
    repo.add(big)
    result = fetch_chart(_request(repo, "1.0.0", chart="big"),
                         _settings(tmp_path, repo.url, max_bytes=(repo.folder / "index.yaml")
                                   .stat().st_size + 100))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-too-large"
    assert "charts.max_bytes" in result.message
    assert repo.requests[-1] == "/big-1.0.0.tgz"  # the index fitted; the archive did not


def test_an_unknown_version_is_a_fetch_failure_naming_it(repo: HelmRepo, tmp_path: Path) -> None:
    result = fetch_chart(_request(repo, "9.9.9"), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "no version '9.9.9' of chart 'demo'" in result.message


def test_credentials_come_from_the_environment_and_go_only_to_the_repository(
        repo: HelmRepo, tmp_path: Path) -> None:
    repo.credentials = ("reader", "s3cret")
    settings = _settings(tmp_path, repo.url)
    denied = fetch_chart(_request(repo), settings)
    assert isinstance(denied, Finding)
    assert "HTTP 401" in denied.message
    assert "s3cret" not in denied.message
    environ = {"GITOPS_VALIDATOR_CHART_LOCAL_USERNAME": "reader",
               "GITOPS_VALIDATOR_CHART_LOCAL_PASSWORD": "s3cret"}
    fetched = fetch_chart(_request(repo), ChartSettings(
        config=settings.config, root=settings.root, cache_dir=settings.cache_dir, environ=environ))
    assert isinstance(fetched, FetchedChart), fetched
    assert repo.auth_headers[-1].startswith("Basic ")


def test_a_local_folder_configured_for_the_chart_is_used_without_network(
        repo: HelmRepo, tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    write_chart(checkout / "vendor", "demo", "1.2.3")
    settings = _settings(tmp_path, local=(LocalChart(repository=repo.url, chart="demo",
                                                     path="vendor/demo"),))
    result = fetch_chart(_request(repo), settings)
    assert isinstance(result, FetchedChart)
    assert result.local
    assert result.path == (checkout / "vendor" / "demo").absolute()
    assert repo.requests == []


def test_a_repository_that_does_not_answer_in_time_is_a_finding(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = fetch_chart(ChartRequest(repo_url=url, chart="demo", version="1.2.3",
                                          path="Chart.yaml", line=5),
                             _settings(tmp_path, url, timeout=0.5))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "timed out" in result.message


@pytest.mark.parametrize("chart", ["../../etc", "/etc/passwd", "a/b", "..", ""])
def test_a_chart_name_that_is_not_one_is_refused_before_any_request(
        repo: HelmRepo, tmp_path: Path, chart: str) -> None:
    result = fetch_chart(_request(repo, chart=chart), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "not a chart name" in result.message
    assert repo.requests == []
