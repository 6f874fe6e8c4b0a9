"""The .gitops-validator.yaml file: defaults, parsing, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.render.helpers import SAMPLE_REPO, write
from validator.errors import ConfigError
from validator.repo_config import RepoConfig, load_repo_config


def test_absent_file_means_defaults(tmp_path: Path) -> None:
    assert load_repo_config(tmp_path) == RepoConfig()


def test_sample_file_is_parsed() -> None:
    config = load_repo_config(SAMPLE_REPO)
    assert config.path == ".gitops-validator.yaml"
    assert [(h.chart, h.name, h.namespace, h.values, h.line) for h in config.helm] == [
        ("charts/api", "api-dev", "api-dev", ("values-dev.yaml",), 4),
        ("charts/api", "api-prod", "api-prod", ("values-prod.yaml",), 8),
    ]
    assert config.helm[1].release == "api"
    assert config.ignore == ("docs/",)
    assert config.settings.kubernetes_version == "1.31.0"
    assert config.settings.strict is None  # not set: flags and defaults decide


def test_all_settings(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml", """\
targets:
  discover: false
  kustomize:
    - path: ./apps/base/
      name: base
settings:
  strict: true
  policies: [policies/]
  schema_dirs: [schemas/crds]
  namespaces: ["k8s.*"]
  fail_on: warning
  skip_kinds: [Secret]
  jobs: 4
  render_timeout: 30
""")
    config = load_repo_config(tmp_path)
    assert config.discover is False
    assert [(k.path, k.name, k.line) for k in config.kustomize] == [("apps/base", "base", 4)]
    settings = config.settings
    assert (settings.strict, settings.policies, settings.schema_dirs, settings.namespaces,
            settings.fail_on, settings.skip_kinds, settings.jobs, settings.render_timeout) == (
        True, ("policies/",), ("schemas/crds",), ("k8s.*",), "warning", ("Secret",), 4, 30.0)


def test_unknown_key_is_reported_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml", """\
targets:
  helm:
    - chart: charts/api
      valuez: [values-prod.yaml]
""")
    with pytest.raises(ConfigError) as caught:
        load_repo_config(tmp_path)
    message = str(caught.value)
    assert message.startswith(".gitops-validator.yaml:4: targets.helm.0.valuez: unknown key "
                              "'valuez'")


def test_every_error_is_reported_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml", """\
settings:
  fail_on: fatal
  jobs: 0
""")
    with pytest.raises(ConfigError) as caught:
        load_repo_config(tmp_path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        ".gitops-validator.yaml:2", ".gitops-validator.yaml:3"]
    assert "must be one of error, warning, info, never (got 'fatal')" in lines[0]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml", "ignore:\n  - a\n  b: [\n")
    with pytest.raises(ConfigError, match=r"^\.gitops-validator\.yaml:\d+: YAML syntax error"):
        load_repo_config(tmp_path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml", "- a\n")
    with pytest.raises(ConfigError, match=r":1: the file must be a mapping of keys to values, not a list"):
        load_repo_config(tmp_path)


def test_settings_read_like_a_mapping_of_what_the_file_sets() -> None:
    settings = load_repo_config(SAMPLE_REPO).settings
    assert "kubernetes_version" in settings
    assert settings["kubernetes_version"] == "1.31.0"
    assert "strict" not in settings  # not set in the file
    assert "no_such_setting" not in settings
    with pytest.raises(KeyError):
        settings["strict"]
