"""Charts from a real OCI registry (the distribution registry on loopback), pulled by helm."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.helm_repo import package, write_chart
from tests.support.oci_registry import PASSWORD, USER, oci_registry
from validator.charts import ChartRequest, ChartsConfig, ChartSettings, FetchedChart, fetch_chart
from validator.charts.config import ChartRepository
from validator.model import Finding


def test_a_chart_in_an_allowlisted_registry_is_pulled_then_cached(tmp_path: Path) -> None:
    with oci_registry(tmp_path / "registry") as registry:
        registry.push(package(write_chart(tmp_path / "src", "podinfo", "6.5.0"), tmp_path / "pkg"))
        settings = ChartSettings(
            config=ChartsConfig(repositories=(ChartRepository(url=registry.url("charts/")),)),
            cache_dir=tmp_path / "cache", environ={})
        request = ChartRequest(repo_url=registry.url(), chart="podinfo", version="6.5.0",
                               path="flux/podinfo.yaml", line=4)
        started = time.monotonic()
        fetched = fetch_chart(request, settings)
        print(f"helm pull of podinfo-6.5.0 from the loopback registry: "
              f"{(time.monotonic() - started) * 1000:.0f} ms")
        assert isinstance(fetched, FetchedChart), fetched
        assert "name: podinfo" in (fetched.path / "Chart.yaml").read_text()
        assert not fetched.cached
        missing = fetch_chart(ChartRequest(repo_url=registry.url(), chart="podinfo",
                                           version="6.5.1", path="x.yaml"), settings)
        assert isinstance(missing, Finding)
        assert missing.rule_id == "agent/chart-fetch-failed"
        assert "helm pull" in missing.message
    again = fetch_chart(request, settings)  # the registry is gone: only the cache can answer
    assert isinstance(again, FetchedChart)
    assert again.cached
    assert again.path == fetched.path


def test_a_registry_path_not_on_the_allowlist_is_not_pulled(tmp_path: Path) -> None:
    settings = ChartSettings(
        config=ChartsConfig(repositories=(ChartRepository(url="oci://127.0.0.1:1/charts"),)),
        cache_dir=tmp_path / "cache", environ={})
    result = fetch_chart(ChartRequest(repo_url="oci://127.0.0.1:1/other", chart="podinfo",
                                      version="6.5.0", path="x.yaml"), settings)
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-repository-not-allowed"
    assert "oci://127.0.0.1:1/other" in result.message


def test_registry_credentials_come_from_the_environment_of_the_named_repository(
        tmp_path: Path) -> None:
    with oci_registry(tmp_path / "registry", credentials=True) as registry:
        registry.push(package(write_chart(tmp_path / "src", "private", "1.0.0"), tmp_path / "pkg"))
        config = ChartsConfig(repositories=(ChartRepository(url=registry.url(), name="acme-prod"),))
        request = ChartRequest(repo_url=registry.url(), chart="private", version="1.0.0",
                               path="apps/app.yaml", line=9)
        anonymous = fetch_chart(request, ChartSettings(config=config, cache_dir=tmp_path / "c1",
                                                       environ={}))
        assert isinstance(anonymous, Finding)
        assert anonymous.rule_id == "agent/chart-fetch-failed"
        environ = {"GITOPS_VALIDATOR_CHART_ACME_PROD_USERNAME": USER,
                   "GITOPS_VALIDATOR_CHART_ACME_PROD_PASSWORD": PASSWORD}
        fetched = fetch_chart(request, ChartSettings(config=config, cache_dir=tmp_path / "c2",
                                                     environ=environ))
        assert isinstance(fetched, FetchedChart), fetched
        assert PASSWORD not in anonymous.message
