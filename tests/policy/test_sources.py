"""Policy files and data files are found and placed as conftest (OPA's loader) does."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.errors import PolicyError
from validator.policy import PolicySettings
from validator.policy.sources import load_data, policy_files


def test_test_files_are_skipped_and_paths_are_repository_relative(tmp_path: Path) -> None:
    for name in ("policies/a.rego", "policies/a_test.rego", "policies/lib/b.rego",
                 "policies/notes.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("package x\n")
    assert list(policy_files([tmp_path / "policies"], root=tmp_path)) == [
        "policies/a.rego", "policies/lib/b.rego"]


def test_data_is_placed_by_directory_and_conflicts_are_errors(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "top.yaml").write_text("a: 1\nwhen: 2024-01-01\n")
    (tmp_path / "d" / "sub" / "x.json").write_text('{"b": [1, 2]}')
    (tmp_path / "d" / "ignored.txt").write_text("not data")
    (tmp_path / "single.yml").write_text("c: {d: true}\n")
    assert load_data([tmp_path / "d", tmp_path / "single.yml"]) == {
        "a": 1, "when": "2024-01-01", "sub": {"b": [1, 2]}, "c": {"d": True}}
    (tmp_path / "other.yaml").write_text("a: 2\n")
    with pytest.raises(PolicyError, match=r"other\.yaml conflicts with other data at a"):
        load_data([tmp_path / "d", tmp_path / "other.yaml"])
    (tmp_path / "bad.yaml").write_text("a: [\n")
    with pytest.raises(PolicyError, match=r"cannot read data file .*bad\.yaml"):
        load_data([tmp_path / "bad.yaml"])


def test_the_opa_token_never_shows_in_the_settings_repr() -> None:
    settings = PolicySettings(policy_dirs=(Path("p"),), opa_url="https://opa", opa_token="s3cr3t")
    assert "s3cr3t" not in repr(settings)
    assert "s3cr3t" not in str(settings)
    assert "opa_token='***'" in repr(settings)
