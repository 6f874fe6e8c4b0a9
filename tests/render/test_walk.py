"""The bounded, non-recursive walk: what os.walk yields, and too-deep folders reported."""

from __future__ import annotations

import os
from pathlib import Path

from validator.render.walk import walk


def _tree(root: Path) -> None:
    for folder in ("a/b/c", "a/d", "e"):
        (root / folder).mkdir(parents=True)
        (root / folder / "f.yaml").write_text("x")
    (root / "link").symlink_to("a")


def test_it_yields_what_os_walk_yields(tmp_path: Path) -> None:
    _tree(tmp_path)
    def listing(rows: object) -> list[tuple[str, list[str], list[str]]]:
        return sorted((c, sorted(d), sorted(f)) for c, d, f in rows)  # type: ignore[attr-defined]
    assert listing(walk(tmp_path)) == listing(os.walk(tmp_path))
    assert listing(walk(tmp_path, followlinks=True)) == listing(os.walk(tmp_path, followlinks=True))


def test_pruned_folders_are_not_entered(tmp_path: Path) -> None:
    _tree(tmp_path)
    seen = []
    for current, dirs, _ in walk(tmp_path):
        seen.append(Path(current).relative_to(tmp_path).as_posix())
        dirs[:] = [d for d in dirs if d != "a"]
    assert sorted(seen) == [".", "e"]


def test_folders_below_the_bound_are_reported_not_entered(tmp_path: Path) -> None:
    _tree(tmp_path)
    too_deep: list[str] = []
    seen = [Path(c).relative_to(tmp_path).as_posix()
            for c, _, _ in walk(tmp_path, too_deep=too_deep.append, max_depth=1)]
    assert sorted(seen) == [".", "a", "e"]
    assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in too_deep) == ["a/b", "a/d"]


def test_two_thousand_levels_need_no_recursion(tmp_path: Path) -> None:
    deep = tmp_path
    for _ in range(2000):
        deep = deep / "a"
        deep.mkdir()
    too_deep: list[str] = []
    levels = sum(1 for _ in walk(tmp_path, too_deep=too_deep.append, max_depth=5000))
    assert (levels, too_deep) == (2001, [])
    for _ in range(2000):  # pytest's recursive clean-up could not remove it
        deep.rmdir()
        deep = deep.parent
