"""Argo CD globs (``directory.include`` / ``exclude``) come from an untrusted Application and
are matched against file names the same change chooses: matching must stay linear."""

from __future__ import annotations

import sys
import time

import pytest

from validator.agents.argo_glob import glob_match
from validator.errors import CommandError
from validator.process import run_args


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("*.yaml", "sub/x.yaml", True),
    ("*.yaml", "x.yml", False),
    ("{a,b}/*.yaml", "b/c/x.yaml", True),
    ("{a,{b,c}d}/x?.yaml", "cd/x1.yaml", True),
    ("[!a]*", "a.yaml", False),
    ("[a-c]*", "b.yaml", True),
    ("*{abc,b}c", "abc", True),
    ("\\*.yaml", "*.yaml", True),
    ("\\*.yaml", "a.yaml", False),
    ("{a,b", "a", True),
    ("", "", True),
])
def test_globs_match_as_argo_cd_matches(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


def test_a_pattern_of_many_stars_against_a_long_name_finishes() -> None:
    """``*a*a*...*b`` against ``aaaa...`` made a backtracking regex try every split: hours."""
    pattern = "*a" * 20 + "*b"
    name = "a" * 400 + ".yaml"
    code = ("from validator.agents.argo_glob import glob_match; "
            f"print(glob_match({pattern!r}, {name!r}))")
    started = time.monotonic()
    try:
        result = run_args([sys.executable, "-c", code], timeout=20)
    except CommandError:
        pytest.fail(f"{pattern!r} against {len(name)} characters did not finish in 20 s")
    assert result.stdout.strip() == b"False"
    print(f"{pattern!r} against {len(name)} characters: {time.monotonic() - started:.2f} s")
