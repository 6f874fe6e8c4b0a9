"""Security: a change cannot make the head's plan stand for a base whose plan differs.

Planning reads a builtin generator or transformer configuration (``apiVersion: builtin``) for
the files it names; YAML lets a pull request spell that value without the bytes ``builtin``
(a double-quoted escape), so a byte search alone let such a file change the plan unseen."""

from __future__ import annotations

import pytest

from tests.change.gitrepo import GitRepo
from tests.change.test_plan_reuse import _plans
from validator.change.plan_reuse import same_plan_listings

GENERATOR = """\
apiVersion: {api}
kind: ConfigMapGenerator
metadata: {{name: settings}}
files: [{files}]
"""


@pytest.mark.parametrize("api", [r'"built\x69n"', r'"b\u0075iltin"', '"bui\\\n  ltin"'])
def test_an_escaped_builtin_generator_config_is_a_plan_change(repo: GitRepo, api: str) -> None:
    repo.write("gen/kustomization.yaml", "generators:\n- generator.yaml\n")
    repo.write("gen/a.properties", "size=small\n")
    repo.write("gen/b.properties", "size=large\n")
    repo.write("gen/generator.yaml", GENERATOR.format(api=api, files="a.properties"))
    base = repo.commit("base")
    repo.write("gen/generator.yaml", GENERATOR.format(api=api, files="b.properties"))
    head = repo.commit("head")
    base_plan, head_plan = _plans(repo, base, head)
    assert base_plan != head_plan  # the case is real: planning reads the escaped config
    assert same_plan_listings(repo.root, base, head) is None
