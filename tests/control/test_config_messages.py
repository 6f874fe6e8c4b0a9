"""Configuration-file errors read as plain words, never as raw JSON-schema wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.errors import ConfigError
from validator.repo_config import load_repo_config

#: Phrases jsonschema uses that a user of the config file should never have to decode.
RAW_WORDING = ("is not of type", "is not one of", "does not match", "is less than",
               "is a required property", "should be non-empty", "was expected",
               "is too long", "is too short")


def _errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / ".gitops-validator.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_repo_config(tmp_path)
    return str(caught.value).splitlines()


@pytest.mark.parametrize(("text", "expected"), [
    ("settings:\n  fail_on: fatal\n",
     ".gitops-validator.yaml:2: settings.fail_on: must be one of error, warning, info, never "
     "(got 'fatal')"),
    ("settings:\n  jobs: 0\n", ".gitops-validator.yaml:2: settings.jobs: must be at least 1 (got 0)"),
    ("settings:\n  strict: 'yes please'\n",
     ".gitops-validator.yaml:2: settings.strict: must be true or false, not a string"),
    ("- a\n", ".gitops-validator.yaml:1: the file must be a mapping of keys to values, not a list"),
    ("targets:\n  helm:\n    - name: x\n",
     ".gitops-validator.yaml:3: targets.helm.0: the key 'chart' is missing"),
    ("version: 2\n", ".gitops-validator.yaml:1: version: must be 1 (got 2)"),
    ("settings:\n  kubernetes_version: latest\n",
     ".gitops-validator.yaml:2: settings.kubernetes_version: 'latest' is not a Kubernetes "
     "version such as 1.31 or 1.31.0"),
    ("targets:\n  helm:\n    - chart: c\n      release: Web_App\n",
     ".gitops-validator.yaml:4: targets.helm.0.release: 'Web_App' is not a valid name: use "
     "lower-case letters, digits and '-', starting and ending with a letter or digit"),
    ("ignore: ['']\n", ".gitops-validator.yaml:1: ignore.0: must not be empty"),
])
def test_config_errors_use_plain_words(tmp_path: Path, text: str, expected: str) -> None:
    errors = _errors(tmp_path, text)
    assert errors == [expected]
    assert not [line for line in errors if any(raw in line for raw in RAW_WORDING)]


@pytest.mark.parametrize(("text", "expected"), [
    ("rules:\n  K8S-016:\n", "rules.K8S-016: must be one of off, error, warning, info (got nothing)"),
    ("rules:\n  K8S-016: 0\n", "rules.K8S-016: must be one of off, error, warning, info (got 0)"),
    ("settings:\n  fail_on: true\n",
     "settings.fail_on: must be one of error, warning, info, never (got true)"),
    ("settings:\n  fail_on: [error]\n",
     "settings.fail_on: must be one of error, warning, info, never (got a list)"),
])
def test_config_values_are_shown_as_yaml_not_python(tmp_path: Path, text: str, expected: str) -> None:
    """An empty value is not ``None`` and a boolean not ``True``: the file is YAML."""
    (line,) = _errors(tmp_path, "version: 1\n" + text)
    assert line.endswith(expected), line


@pytest.mark.parametrize(("text", "expected"), [
    ("settings:\n  schema_dirs: [schemas, ../../outside]\n",
     ".gitops-validator.yaml:2: settings.schema_dirs.1: '../../outside' leaves the repository; "
     "paths in this file are relative to its root and stay inside it"),
    ("settings:\n  policies:\n    - builtin\n    - policies/../../x\n",
     ".gitops-validator.yaml:4: settings.policies.1: 'policies/../../x' leaves the repository; "
     "paths in this file are relative to its root and stay inside it"),
    ("targets:\n  kustomize:\n    - path: ..\n",
     ".gitops-validator.yaml:3: targets.kustomize.0.path: '..' leaves the repository; "
     "paths in this file are relative to its root and stay inside it"),
])
def test_paths_leaving_the_repository_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    """A pull request's configuration could otherwise have schemas or policies read from
    anywhere on the runner (a schema's enum is quoted in findings)."""
    assert _errors(tmp_path, text) == [expected]


def test_paths_inside_the_repository_are_accepted(tmp_path: Path) -> None:
    (tmp_path / ".gitops-validator.yaml").write_text(
        "settings:\n  schema_dirs: [schemas/../crds, ./schemas]\n  policies: [builtin]\n")
    assert load_repo_config(tmp_path).settings.schema_dirs == ("schemas/../crds", "./schemas")


def test_a_config_file_linked_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    """Its values would be quoted in the error (``version: must be 1 (got '<secret>')``)."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("version: OUTSIDE-SECRET\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitops-validator.yaml").symlink_to(outside)
    with pytest.raises(ConfigError) as caught:
        load_repo_config(root)
    assert "OUTSIDE-SECRET" not in str(caught.value)
    assert str(caught.value) == (".gitops-validator.yaml: a symlink leaving the repository; "
                                 "refused")
