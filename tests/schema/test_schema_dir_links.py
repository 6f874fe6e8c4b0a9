"""Schema directories inside the repository never offer a file that resolves outside it."""

from __future__ import annotations

from pathlib import Path

from validator.schema.schema_dirs import schema_dir_candidates


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside" / "example.com"
    outside.mkdir(parents=True)
    (outside / "widget_v1.json").write_text('{"type": "object"}')
    return outside


def test_a_linked_file_in_the_repositorys_schemas_is_no_candidate(tmp_path: Path) -> None:
    outside, root = _outside(tmp_path), tmp_path / "repo"
    (root / "schemas" / "example.com").mkdir(parents=True)
    (root / "schemas" / "example.com" / "widget_v1.json").symlink_to(outside / "widget_v1.json")
    found = schema_dir_candidates([root / "schemas"], "Widget", "example.com/v1", root=root)
    assert root / "schemas" / "example.com" / "widget_v1.json" not in found


def test_a_linked_schemas_folder_offers_nothing(tmp_path: Path) -> None:
    outside, root = _outside(tmp_path), tmp_path / "repo"
    root.mkdir()
    (root / "schemas").symlink_to(outside.parent)
    assert schema_dir_candidates([root / "schemas"], "Widget", "example.com/v1", root=root) == []


def test_files_inside_and_trusted_folders_outside_stay_candidates(tmp_path: Path) -> None:
    outside, root = _outside(tmp_path), tmp_path / "repo"
    (root / "schemas" / "example.com").mkdir(parents=True)
    (root / "schemas" / "example.com" / "widget_v1.json").write_text("{}")
    (root / "schemas" / "example.com" / "alias_v1.json").symlink_to("widget_v1.json")
    found = schema_dir_candidates([root / "schemas", outside.parent], "Widget", "example.com/v1",
                                  root=root)
    assert root / "schemas" / "example.com" / "widget_v1.json" in found
    assert outside / "widget_v1.json" in found
    assert schema_dir_candidates([root / "schemas"], "Alias", "example.com/v1", root=root) == [
        root / "schemas" / "example.com" / "alias_v1.json", root / "schemas" / "alias-example-v1.json"]
