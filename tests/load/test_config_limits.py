"""``.gitops-validator.yaml`` is loaded with the same limits (and YAML reading) as manifests."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from tests.render.helpers import write
from validator.errors import ConfigError
from validator.repo_config import load_repo_config


def test_a_billion_laughs_under_an_allowed_key_is_refused_cheaply(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    anchors = "\n".join(f"  {line}" for line in lines)
    write(tmp_path, ".gitops-validator.yaml", f"x-anchors:\n{anchors}\nignore: *a9\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ConfigError) as caught:
        load_repo_config(tmp_path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000
    assert str(caught.value).startswith(".gitops-validator.yaml:")
    assert "billion laughs" in str(caught.value)


def test_the_config_reads_yaml_as_manifests_do(tmp_path: Path) -> None:
    write(tmp_path, ".gitops-validator.yaml", "settings:\n  kubernetes_version: 1.31.0\n"
          "ignore: [docs/]\n")
    assert load_repo_config(tmp_path).ignore == ("docs/",)
