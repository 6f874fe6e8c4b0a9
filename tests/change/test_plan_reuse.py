"""The head's plan stands for the base's only when planning both would give the same plan.

Every case plans both revisions for real (``discover_targets`` on both snapshots) and
compares: whenever ``same_plan_listings`` says the head's plan may be reused, the two plans
and the affected targets must be identical; the cases it refuses include ones whose plans
really differ, so the rule is not vacuous. Then ``run_diff`` itself (real kustomize, helm
and OPA) gives the same report with the base written lazily as with both sides planned.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from tests.change.gitrepo import GitRepo
from validator import service
from validator.change.affected import affected_targets
from validator.change.diff_files import read_change
from validator.change.plan_reuse import same_plan_listings, unneeded
from validator.change.revisions import resolve_revisions
from validator.change.snapshot import lazy_snapshot, materialise
from validator.options import CheckOptions
from validator.render import discover_targets
from validator.render.targets import TargetPlan
from validator.repo_config import load_repo_config
from validator.service import DiffReport, DiffRequest, run_diff

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: apps}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - {{name: app, image: "nginx:1.27", resources: {{limits: {{cpu: 100m, memory: 64Mi}}}}}}
"""
APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  source: {path: apps/a/base}
"""
GENERATOR = """\
apiVersion: builtin
kind: ConfigMapGenerator
metadata: {name: settings}
files: [settings.properties]
"""


def _generate(repo: GitRepo) -> str:
    for app in ("a", "b", "c"):
        repo.write(f"apps/{app}/base/kustomization.yaml", "resources:\n- deploy.yaml\n")
        repo.write(f"apps/{app}/base/deploy.yaml", DEPLOY.format(name=app))
        repo.write(f"apps/{app}/prod/kustomization.yaml",
                   "resources:\n- ../base\npatches:\n- path: patch.yaml\n")
        repo.write(f"apps/{app}/prod/patch.yaml",
                   f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {app}, namespace: apps}}\n"
                   "spec:\n  replicas: 3\n")
    repo.write("apps/gen/kustomization.yaml", "generators:\n- generator.yaml\n")
    repo.write("apps/gen/generator.yaml", GENERATOR)
    repo.write("apps/gen/settings.properties", "size=small\n")
    repo.write("apps/gen/more.properties", "colour=blue\n")
    repo.write("clusters/prod/app.yaml", APPLICATION)
    repo.write("clusters/prod/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n")
    repo.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    repo.write("charts/web/values.yaml", "size: small\n")
    repo.write("charts/web/values-prod.yaml", "size: large\n")
    repo.write("charts/web/templates/config.yaml",
               "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: apps}\n"
               "data: {size: {{ .Values.size | quote }}}\n")
    repo.write(".gitops-validator.yaml", "version: 1\ntargets:\n  helm:\n"
               "    - {chart: charts/web, name: web-default, namespace: apps}\n"
               "    - {chart: charts/web, name: web-prod, namespace: apps, values: [values-prod.yaml]}\n")
    repo.write("README.md", "# apps\n")
    return repo.commit("generated")


def _edit(path: str, old: str, new: str) -> Callable[[GitRepo], None]:
    def apply(repo: GitRepo) -> None:
        text = (repo.root / path).read_text()
        repo.write(path, text.replace(old, new) if old else text + new)
    return apply


def _chmod(path: str) -> Callable[[GitRepo], None]:
    return lambda repo: (repo.root / path).chmod(0o755)


def _delete(path: str) -> Callable[[GitRepo], None]:
    def apply(repo: GitRepo) -> None:
        repo.git("rm", "-q", path)
    return apply


def _add(path: str, text: str) -> Callable[[GitRepo], None]:
    def apply(repo: GitRepo) -> None:
        repo.write(path, text)
    return apply


#: name -> (edit, whether the head's plan may stand for the base's)
CASES: dict[str, tuple[Callable[[GitRepo], None], bool]] = {
    "a patch": (_edit("apps/a/prod/patch.yaml", "replicas: 3", "replicas: 5"), True),
    "a shared base's resource": (_edit("apps/b/base/deploy.yaml", "replicas: 2", "replicas: 4"), True),
    "a generator's data file": (_edit("apps/gen/settings.properties", "small", "large"), True),
    "a README": (_edit("README.md", "", "more\n"), True),
    "a plain manifest": (_edit("clusters/prod/namespace.yaml", "", "# note\n"), True),
    "a kustomization": (_edit("apps/c/prod/kustomization.yaml", "- path: patch.yaml\n", ""), False),
    "a builtin generator config": (_edit("apps/gen/generator.yaml", "files: [settings.properties]",
                                         "files: [settings.properties, more.properties]"), False),
    "an Argo CD Application": (_edit("clusters/prod/app.yaml", "apps/a/base", "apps/c/base"), False),
    "a manifest becoming an Application": (_edit("clusters/prod/namespace.yaml", "",
                                                 "---\n" + APPLICATION.replace("a/base", "b/base")),
                                           False),
    "a Chart.yaml": (_edit("charts/web/Chart.yaml", "", "type: library\n"), False),
    "a chart's values file": (_edit("charts/web/values-prod.yaml", "large", "huge"), False),
    "a chart template": (_edit("charts/web/templates/config.yaml", "", "# {{ .Files.Get \"x\" }}\n"),
                         False),
    "a mode": (_chmod("apps/a/base/deploy.yaml"), False),
    "a new file": (_add("apps/a/base/extra.yaml", DEPLOY.format(name="x")), False),
    "a deleted file": (_delete("clusters/prod/namespace.yaml"), False),
}


def _plans(repo: GitRepo, base: str, head: str) -> tuple[TargetPlan, TargetPlan]:
    plans = []
    for sha in (base, head):
        with materialise(repo.root, sha) as root:
            plans.append(discover_targets(root, [root], load_repo_config(root)))
    return plans[0], plans[1]


def _affected_names(repo: GitRepo, base: str, head: str, base_plan: TargetPlan,
                    head_plan: TargetPlan) -> list[tuple[str, str, tuple[str, ...]]]:
    change = read_change(resolve_revisions(repo.root, base=base, head=head))
    plan = affected_targets(change, base=base_plan, head=head_plan, trusted=(".gitops-validator.yaml",))
    return [(a.target.name, a.side.value, tuple(c.why for c in a.causes)) for a in plan.targets]


@pytest.mark.parametrize("case", list(CASES))
def test_the_head_plan_stands_for_the_base_only_when_they_are_equal(repo: GitRepo, case: str) -> None:
    base = _generate(repo)
    edit, expected = CASES[case]
    edit(repo)
    head = repo.commit(case)
    reusable = same_plan_listings(repo.root, base, head) is not None
    assert reusable is expected
    base_plan, head_plan = _plans(repo, base, head)
    if reusable:
        assert base_plan == head_plan
        assert _affected_names(repo, base, head, head_plan, head_plan) == \
            _affected_names(repo, base, head, base_plan, head_plan)


def test_the_refused_cases_include_plans_that_really_differ(repo: GitRepo) -> None:
    base = _generate(repo)
    differ = []
    for case, (edit, expected) in CASES.items():
        if expected:
            continue
        repo.git("reset", "-q", "--hard", base)
        edit(repo)
        head = repo.commit(case)
        base_plan, head_plan = _plans(repo, base, head)
        if base_plan != head_plan:
            differ.append(case)
    assert {"a kustomization", "a builtin generator config", "an Argo CD Application",
            "a manifest becoming an Application", "a new file", "a deleted file"} <= set(differ)


def test_generated_changes_never_reuse_a_plan_that_differs(repo: GitRepo) -> None:
    base = _generate(repo)
    files = sorted(p.relative_to(repo.root).as_posix() for p in repo.root.rglob("*")
                   if p.is_file() and ".git" not in p.parts)
    edits = ["# comment\n", "# comment\n", "  replicas: 9\n", "kind: argoproj.io/Application\n",
             "apiVersion: builtin\n", "resources:\n- ../../b/base\n"]
    rng = random.Random(9)  # noqa: S311 - reproducible changes, not secrets
    reused = 0
    for n in range(30):
        repo.git("reset", "-q", "--hard", base)
        for path in rng.sample(files, rng.randint(1, 2)):
            _edit(path, "", rng.choice(edits))(repo)
        head = repo.commit(f"generated change {n}")
        if same_plan_listings(repo.root, base, head) is None:
            continue
        reused += 1
        base_plan, head_plan = _plans(repo, base, head)
        assert base_plan == head_plan, f"change {n}: {repo.git('diff', '--stat', base, head)}"
    assert reused >= 2  # the generated changes exercised the reuse itself


def test_unneeded_keeps_what_an_affected_target_or_a_trusted_folder_needs(repo: GitRepo) -> None:
    base = _generate(repo)
    base_plan, _ = _plans(repo, base, base)
    skipped = unneeded(base_plan, {"apps/a/prod"}, ["clusters"])
    assert "apps/a/base/deploy.yaml" not in skipped  # read by the affected overlay
    assert "apps/b/base/deploy.yaml" in skipped
    assert "charts/web/templates/config.yaml" in skipped
    assert not any(p.startswith("clusters/") for p in skipped)  # trusted: always written
    assert "README.md" not in skipped  # no target reads it


def _diff(repo: GitRepo, base: str, head: str) -> DiffReport:
    return run_diff(DiffRequest(folder=repo.root, base=base, head=head,
                                options=CheckOptions(policies=("builtin",)),
                                explicit=frozenset({"policies"})))


def _essence(result: DiffReport) -> tuple[object, ...]:
    return (result.report.findings, result.report.fixed, result.report.skipped, result.rendered,
            result.diff, result.full, result.defaults, result.policy_tests)


@pytest.mark.parametrize("case", ["a patch", "a shared base's resource", "a README"])
def test_a_diff_with_the_base_written_lazily_reports_what_planning_both_reports(
        repo: GitRepo, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    base = _generate(repo)
    repo.write("apps/b/prod/patch.yaml", (repo.root / "apps/b/prod/patch.yaml").read_text()
               .replace("replicas: 3", "replicas: 3\n  template: {spec: {hostNetwork: true}}"))
    base = repo.commit("a finding that stays")
    CASES[case][0](repo)
    head = repo.commit(case)
    assert same_plan_listings(repo.root, base, head) is not None
    lazy = _diff(repo, base, head)
    monkeypatch.setattr(service, "_reusable", lambda _revisions, _prefix: None)  # the reference: plan both
    planned = _diff(repo, base, head)
    assert _essence(lazy) == _essence(planned)
    if case != "a README":
        assert lazy.rendered
        assert lazy.report.findings


def test_a_lazy_base_with_another_trusted_revision(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    generated = _generate(repo)
    repo.write("policies/replicas.rego", 'package main\n\nimport rego.v1\n\ndeny contains msg if {\n'
               '  input.kind == "Deployment"\n  input.spec.replicas > 4\n'
               '  msg := "at most 4 replicas"\n}\n')
    trusted = repo.commit("a policy, trusted")
    repo.git("reset", "-q", "--hard", generated)
    CASES["a patch"][0](repo)  # 5 replicas: a finding of the trusted policy only
    head = repo.commit("a patch")

    def diff() -> DiffReport:
        return run_diff(DiffRequest(folder=repo.root, base=generated, head=head, trusted_ref=trusted,
                                    options=CheckOptions()))

    assert same_plan_listings(repo.root, generated, head) is not None
    lazy = diff()
    monkeypatch.setattr(service, "_reusable", lambda _revisions, _prefix: None)
    assert _essence(lazy) == _essence(diff())
    assert [(f.message, f.status and f.status.value) for f in lazy.report.findings
            if f.message == "at most 4 replicas"] == [("at most 4 replicas", "new")]


RULE = ('package main\n\nimport rego.v1\n\ndeny contains msg if {\n  input.kind == "Deployment"\n'
        '  input.spec.replicas > 4\n  msg := "at most 4 replicas"\n}\n')


def _trusted_revision(repo: GitRepo, generated: str, *, linked: bool) -> str:
    """A revision whose configuration names ``rules`` (a folder, or a link to one) as policies."""
    config = (repo.root / ".gitops-validator.yaml").read_text()
    repo.write(".gitops-validator.yaml", config.replace("version: 1\n", "version: 1\nsettings:\n"
                                                        "  policies: [rules]\n"))
    repo.write("shared/rules/replicas.rego" if linked else "rules/replicas.rego", RULE)
    if linked:
        (repo.root / "rules").symlink_to("shared/rules")
    trusted = repo.commit("policies in rules/, trusted")
    repo.git("reset", "-q", "--hard", generated)
    return trusted


@pytest.mark.parametrize("linked", [False, True])
def test_a_trusted_revision_of_its_own_writes_its_trusted_files(repo: GitRepo, linked: bool) -> None:
    generated = _generate(repo)
    trusted = _trusted_revision(repo, generated, linked=linked)
    request = DiffRequest(folder=repo.root, base=generated, trusted_ref=trusted, options=CheckOptions())
    with lazy_snapshot(repo.root, trusted) as snapshot:
        service._write_trusted(request, snapshot)  # what a run writes of it
        if linked:  # a link may lead anywhere in the revision: all of it
            assert snapshot.written == set(snapshot.entries)
        else:
            assert snapshot.written == {".gitops-validator.yaml", "rules/replicas.rego"}
    CASES["a patch"][0](repo)
    head = repo.commit("a patch")
    result = run_diff(DiffRequest(folder=repo.root, base=generated, head=head, trusted_ref=trusted,
                                  options=CheckOptions()))
    assert [(f.location.path, f.status and f.status.value) for f in result.report.findings
            if f.message == "at most 4 replicas"] == [("apps/a/base/deploy.yaml", "new")]
