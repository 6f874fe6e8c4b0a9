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


def test_a_file_read_through_a_symlinked_kustomization_is_a_plan_change(repo: GitRepo) -> None:
    """``apps/o/kustomization.yaml`` is a link to ``shared/o.yaml``: a change to the latter is a
    change to a kustomization (here ``apps/b`` stops being a base and becomes a target)."""
    repo.write("apps/b/kustomization.yaml", "resources:\n- cm.yaml\n")
    repo.write("apps/b/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    repo.write("apps/o/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o}\n")
    repo.write("shared/o.yaml", "resources:\n- cm.yaml\n- ../b\n")
    (repo.root / "apps/o/kustomization.yaml").symlink_to("../../shared/o.yaml")
    base = repo.commit("base")
    repo.write("shared/o.yaml", "resources:\n- cm.yaml\n")
    head = repo.commit("head")
    base_plan, head_plan = _plans(repo, base, head)
    assert base_plan != head_plan
    assert same_plan_listings(repo.root, base, head) is None


def test_a_file_read_through_a_symlinked_chart_file_is_a_plan_change(repo: GitRepo) -> None:
    repo.write("charts/web/templates/cm.yaml",
               "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n")
    repo.write("shared/web-chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (repo.root / "charts/web/Chart.yaml").symlink_to("../../shared/web-chart.yaml")
    base = repo.commit("base")
    repo.write("shared/web-chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\ntype: library\n")
    head = repo.commit("head")
    base_plan, head_plan = _plans(repo, base, head)
    assert base_plan != head_plan
    assert same_plan_listings(repo.root, base, head) is None
