"""The ``charts:`` section of .gitops-validator.yaml: parsed, checked, resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.charts.config import (
    DEFAULT_MAX_BYTES,
    ChartRepository,
    ChartsConfig,
    LocalChart,
    chart_settings,
)
from validator.errors import ConfigError
from validator.repo_config import load_repo_config

_CONFIG = """\
charts:
  repositories:
    - url: https://charts.example.com/stable
      name: example
    - url: oci://registry.example.com/charts
  cache_dir: ~/.cache/shop-charts
  max_bytes: 1000000
  timeout: 30
  local:
    - repository: https://charts.example.com/stable
      chart: podinfo
      version: 6.5.0
      path: ./vendor/podinfo/
"""


def test_the_charts_section_is_read(tmp_path: Path) -> None:
    (tmp_path / ".gitops-validator.yaml").write_text(_CONFIG)
    config = load_repo_config(tmp_path).charts
    assert config == ChartsConfig(
        repositories=(ChartRepository(url="https://charts.example.com/stable", name="example",
                                      line=3),
                      ChartRepository(url="oci://registry.example.com/charts", line=5)),
        cache_dir="~/.cache/shop-charts", max_bytes=1_000_000, timeout=30.0,
        local=(LocalChart(repository="https://charts.example.com/stable", chart="podinfo",
                          version="6.5.0", path="vendor/podinfo", line=10),))
    settings = chart_settings(config, root=tmp_path)
    assert settings.cache_dir == Path.home() / ".cache/shop-charts"


def test_without_a_charts_section_nothing_is_allowlisted(tmp_path: Path) -> None:
    (tmp_path / ".gitops-validator.yaml").write_text("ignore: [x]\n")
    config = load_repo_config(tmp_path).charts
    assert config.repositories == ()
    assert config.max_bytes == DEFAULT_MAX_BYTES


@pytest.mark.parametrize(("text", "message"), [
    ("charts:\n  repositories:\n    - url: ftp://x.example.com\n", ".gitops-validator.yaml:3:"),
    ("charts:\n  repositories:\n    - name: x\n", ".gitops-validator.yaml:3:"),
    ("charts:\n  max_bytes: -1\n", ".gitops-validator.yaml:2: charts.max_bytes"),
    ("charts:\n  proxy: x\n", "unknown key 'proxy'"),
    # a cache inside the checked repository would let a change plant charts in it
    ("charts:\n  cache_dir: .cache/charts\n", ".gitops-validator.yaml:2: charts.cache_dir"),
    ("charts:\n  local:\n    - {repository: https://x, chart: a, path: ../outside}\n",
     "leaves the repository"),
])
def test_a_wrong_charts_section_is_an_error_naming_the_line(
        tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".gitops-validator.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_repo_config(tmp_path)
