"""ApplicationSet expansion: generators, templates and the Applications handed to the reader.

Each case writes an ApplicationSet in Argo CD's documented format (and the folders and
files its generators read) into a checkout, reads it through ``read_application_set``
with a reader that records the generated Applications, and checks their bodies and
where their lines point.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from validator.agents import appset
from validator.agents.model import AgentConfig, ClusterConfig
from validator.agents.objects import AGENT_MARKERS, FoundObject, ObjectIndex, objects_in
from validator.agents.plan import AgentContext, AgentRead, plan_agents
from validator.agents.repo_urls import normalise
from validator.render.options import HelmOptions, InlineValues, ValueSource
from validator.render.targets import Target, TargetKind

REPO = "https://github.com/example/gitops.git"

HEADER = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
  namespace: argocd
spec:
"""


class Recorder:
    """The Application reader's stand-in: records what it is given, one target per app."""

    def __init__(self) -> None:
        self.seen: list[FoundObject] = []

    def __call__(self, found: FoundObject, context: AgentContext) -> AgentRead:
        self.seen.append(found)
        agent = found.agent_object()
        source = ValueSource(path=found.path, index=found.index,
                             field=("spec", "source", "helm", "valuesObject"))
        helm = HelmOptions(inline_values=(InlineValues(values={}, source=source),))
        path = str(found.body["spec"]["source"].get("path", ""))
        return AgentRead(targets=(Target(kind=TargetKind.HELM, path=path, name=str(agent),
                                         reason=agent.where, agent=agent, helm=helm),))

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [dict(found.body) for found in self.seen]

    @property
    def names(self) -> list[str]:
        return [found.name for found in self.seen]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def read(root: Path, spec: str, *, clusters: tuple[ClusterConfig, ...] = ()) -> tuple[AgentRead, Recorder]:
    write(root, {"argocd/appset.yaml": HEADER + textwrap.indent(textwrap.dedent(spec), "  ")})
    config = AgentConfig(clusters=clusters)
    manifests = ["argocd/appset.yaml"]
    context = AgentContext(root=root, config=config, manifests=manifests, chart_files={},
                           kustomize_tree=lambda _d: [], index=ObjectIndex(root, manifests),
                           repository_urls=frozenset({normalise(REPO)}))
    (found,) = objects_in(root, manifests, AGENT_MARKERS)
    recorder = Recorder()
    return appset.read_application_set(found, context, recorder), recorder


def line_of(root: Path, text: str) -> int:
    lines = (root / "argocd/appset.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


TEMPLATE = f"""\
template:
  metadata:
    name: '{{{{name}}}}-web'
  spec:
    project: default
    source:
      repoURL: {REPO}
      path: apps/{{{{name}}}}
    destination:
      server: https://kubernetes.default.svc
      namespace: '{{{{name}}}}'
"""
TEMPLATE = textwrap.indent(TEMPLATE, " " * 8).lstrip(" ")  # follows a line of 8 spaces


def test_list_generator_makes_one_application_per_element(tmp_path: Path) -> None:
    result, recorder = read(tmp_path, """\
        generators:
          - list:
              elements:
                - name: dev
                - name: prod
        """ + TEMPLATE)
    assert recorder.names == ["dev-web", "prod-web"]
    body = recorder.bodies[1]
    assert body["apiVersion"] == "argoproj.io/v1alpha1"
    assert body["kind"] == "Application"
    assert body["metadata"] == {"name": "prod-web", "namespace": "argocd"}
    assert body["spec"]["source"]["path"] == "apps/prod"
    assert body["spec"]["destination"]["namespace"] == "prod"
    assert not result.findings
    assert not result.skipped
    # the generated Application is an object of the ApplicationSet's file, located in its template
    found = recorder.seen[0]
    assert found.path == "argocd/appset.yaml"
    assert found.line(("spec", "source", "path")) == line_of(tmp_path, "path: apps/")
    agent = result.targets[0].agent
    assert agent is not None
    assert agent.generated_by == "ApplicationSet argocd/apps"
    assert str(agent) == "Application argocd/dev-web"
    helm = result.targets[0].helm
    assert helm is not None
    source = helm.inline_values[0].source
    assert source.field == ("spec", "template", "spec", "source", "helm", "valuesObject")


def test_fasttemplate_missing_parameter_is_left_as_written(tmp_path: Path) -> None:
    _, recorder = read(tmp_path, """\
        generators:
          - list:
              elements:
                - name: dev
        """ + TEMPLATE.replace("namespace: '{{name}}'", "namespace: '{{ nope }}'"))
    assert recorder.bodies[0]["spec"]["destination"]["namespace"] == "{{ nope }}"


def test_list_generator_without_gotemplate_needs_string_values(tmp_path: Path) -> None:
    result, recorder = read(tmp_path, """\
        generators:
          - list:
              elements:
                - name: dev
                  replicas: 3
        """ + TEMPLATE)
    assert recorder.seen == []
    (finding,) = result.findings
    assert finding.rule_id == "agent/appset-generator"
    assert finding.location.line == line_of(tmp_path, "replicas: 3")


def _apps(root: Path, *names: str) -> None:
    write(root, {f"apps/{n}/kustomization.yaml": "resources: []\n" for n in names})


def test_git_directories_with_an_exclude(tmp_path: Path) -> None:
    _apps(tmp_path, "api", "web", "legacy")
    write(tmp_path, {"apps/web/nested/x.yaml": "a: 1\n", ".hidden/y.yaml": "b: 1\n"})
    result, recorder = read(tmp_path, f"""\
        generators:
          - git:
              repoURL: {REPO}
              revision: HEAD
              directories:
                - path: apps/legacy
                  exclude: true
                - path: apps/*
        template:
          metadata:
            name: '{{{{path.basename}}}}'
            labels:
              first: '{{{{path[0]}}}}'
              normalized: '{{{{path.basenameNormalized}}}}'
          spec:
            source:
              repoURL: {REPO}
              path: '{{{{path}}}}'
        """)
    assert recorder.names == ["api", "web"]  # exclude wins; * stays in one folder
    assert recorder.bodies[1]["metadata"]["labels"] == {"first": "apps", "normalized": "web"}
    assert recorder.bodies[1]["spec"]["source"]["path"] == "apps/web"
    assert not result.findings


def test_git_directories_go_template_and_path_param_prefix(tmp_path: Path) -> None:
    _apps(tmp_path, "My_App")
    _, recorder = read(tmp_path, f"""\
        goTemplate: true
        goTemplateOptions: ["missingkey=error"]
        generators:
          - git:
              repoURL: git@github.com:example/gitops.git
              revision: HEAD
              pathParamPrefix: repo
              directories:
                - path: 'apps/*'
        template:
          metadata:
            name: '{{{{ .repo.path.basenameNormalized }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: '{{{{ .repo.path.path }}}}'
              targetRevision: '{{{{ index .repo.path.segments 0 }}}}'
        """)
    (body,) = recorder.bodies
    assert body["metadata"]["name"] == "my-app"
    assert body["spec"]["source"]["path"] == "apps/My_App"
    assert body["spec"]["source"]["targetRevision"] == "apps"


def test_git_generator_of_another_repository_is_not_rendered(tmp_path: Path) -> None:
    _apps(tmp_path, "api")
    result, recorder = read(tmp_path, """\
        generators:
          - git:
              repoURL: https://github.com/other/repo.git
              directories:
                - path: apps/*
        """ + TEMPLATE)
    assert recorder.seen == []
    (skipped,) = result.skipped
    assert skipped.group == "not rendered: another repository"
    assert skipped.unit == "ApplicationSet"
    assert skipped.path == f"argocd/appset.yaml:{line_of(tmp_path, 'repoURL: https://github.com/other')}"
    assert "ApplicationSet argocd/apps" in skipped.reason
    assert "other/repo" in skipped.reason


def test_git_files_flattened_and_list_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "clusters/dev/config.json": json.dumps({"cluster": {"name": "dev", "replicas": 1000000},
                                                "enabled": True}),
        "clusters/prod/config.json": json.dumps({"cluster": {"name": "prod", "replicas": 2},
                                                 "enabled": False}),
        "clusters/many/config.yaml": "- cluster: {name: a}\n- cluster: {name: b}\n",
        "clusters/ignored/other.txt": "x",
    })
    _, recorder = read(tmp_path, f"""\
        generators:
          - git:
              repoURL: {REPO}
              files:
                - path: clusters/**/config.*
                - path: clusters/prod/*
                  exclude: true
        template:
          metadata:
            name: '{{{{cluster.name}}}}'
            annotations:
              replicas: '{{{{cluster.replicas}}}}'
              enabled: '{{{{enabled}}}}'
              where: '{{{{path}}}}/{{{{path.filename}}}} {{{{path.basename}}}} {{{{path[1]}}}}'
          spec:
            source:
              repoURL: {REPO}
              path: '{{{{path}}}}'
        """)
    assert recorder.names == ["dev", "a", "b"]
    dev = recorder.bodies[0]["metadata"]["annotations"]
    assert dev == {"replicas": "1e+06", "enabled": "true",
                   "where": "clusters/dev/config.json dev dev"}
    assert recorder.bodies[1]["metadata"]["annotations"]["replicas"] == "{{cluster.replicas}}"


def test_matrix_of_git_directories_and_a_list(tmp_path: Path) -> None:
    _apps(tmp_path, "api", "web")
    _, recorder = read(tmp_path, f"""\
        goTemplate: true
        generators:
          - matrix:
              generators:
                - git:
                    repoURL: {REPO}
                    directories:
                      - path: apps/*
                - list:
                    elements:
                      - env: dev
                      - env: prod
                        app: '{{{{ .path.basename }}}}'
        template:
          metadata:
            name: '{{{{ .path.basename }}}}-{{{{ .env }}}}'
            labels:
              app: '{{{{ .app | default "none" }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: '{{{{ .path.path }}}}'
        """)
    assert recorder.names == ["api-dev", "api-prod", "web-dev", "web-prod"]
    assert [b["metadata"]["labels"]["app"] for b in recorder.bodies] == ["none", "api", "none", "web"]


def test_matrix_needs_two_generators(tmp_path: Path) -> None:
    result, _ = read(tmp_path, """\
        generators:
          - matrix:
              generators:
                - list:
                    elements: [{name: a}]
        """ + TEMPLATE)
    (finding,) = result.findings
    assert finding.rule_id == "agent/appset-generator"
    assert "exactly two" in finding.message


def test_merge_generator_overrides_by_merge_key(tmp_path: Path) -> None:
    _, recorder = read(tmp_path, """\
        generators:
          - merge:
              mergeKeys: [name]
              generators:
                - list:
                    elements:
                      - {name: dev, size: small}
                      - {name: prod, size: small}
                - list:
                    elements:
                      - {name: prod, size: large}
                      - {name: other, size: huge}
        """ + TEMPLATE.replace("namespace: '{{name}}'", "namespace: '{{size}}'"))
    assert recorder.names == ["dev-web", "prod-web"]
    assert [b["spec"]["destination"]["namespace"] for b in recorder.bodies] == ["small", "large"]


def test_cluster_generator_from_the_configuration(tmp_path: Path) -> None:
    clusters = (
        ClusterConfig(name="prod-eu", server="https://eu.example", labels={"env": "prod"},
                      annotations={"region": "eu"}),
        ClusterConfig(name="Dev_1", server="https://dev.example", labels={"env": "dev"}),
        ClusterConfig(name="prod-us", server="https://us.example", labels={"env": "prod", "tier": "x"}),
    )
    _, recorder = read(tmp_path, f"""\
        generators:
          - clusters:
              selector:
                matchLabels: {{env: prod}}
                matchExpressions:
                  - {{key: tier, operator: DoesNotExist}}
              values:
                suffix: '-{{{{metadata.labels.env}}}}'
          - clusters:
              selector:
                matchExpressions:
                  - {{key: env, operator: In, values: [dev]}}
        template:
          metadata:
            name: 'web-{{{{nameNormalized}}}}{{{{values.suffix}}}}'
            annotations:
              region: '{{{{metadata.annotations.region}}}}'
          spec:
            source:
              repoURL: {REPO}
              path: apps/web
            destination:
              server: '{{{{server}}}}'
        """, clusters=clusters)
    assert recorder.names == ["web-prod-eu-prod", "web-dev-1{{values.suffix}}"]
    assert recorder.bodies[0]["spec"]["destination"]["server"] == "https://eu.example"
    assert recorder.bodies[0]["metadata"]["annotations"]["region"] == "eu"


def test_go_template_with_functions(tmp_path: Path) -> None:
    _, recorder = read(tmp_path, f"""\
        goTemplate: true
        goTemplateOptions: ["missingkey=error"]
        generators:
          - list:
              elements:
                - {{name: Guest_Book.Front, env: prod, replicas: 3, tags: [a, b]}}
        template:
          metadata:
            name: '{{{{ .name | normalize | trunc 10 | trimSuffix "-" }}}}'
            labels:
              env: '{{{{ upper .env }}}}'
              slug: '{{{{ slugify .name }}}}'
              tags: '{{{{ join "," .tags }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: 'apps/{{{{ if eq .env "prod" }}}}production{{{{ else }}}}other{{{{ end }}}}'
              helm:
                values: |
                  replicas: {{{{ .replicas }}}}
                  {{{{- range .tags }}}}
                  {{{{ . }}}}: {{{{ printf "%q" . }}}}
                  {{{{- end }}}}
        """)
    (body,) = recorder.bodies
    assert body["metadata"]["name"] == "guest-book"
    assert body["metadata"]["labels"] == {"env": "PROD", "slug": "guest-book-front", "tags": "a,b"}
    assert body["spec"]["source"]["path"] == "apps/production"
    assert body["spec"]["source"]["helm"]["values"] == 'replicas: 3\na: "a"\nb: "b"\n'


def test_go_template_missing_key_is_a_finding_on_the_template_line(tmp_path: Path) -> None:
    result, recorder = read(tmp_path, f"""\
        goTemplate: true
        goTemplateOptions: ["missingkey=error"]
        generators:
          - list:
              elements: [{{name: a}}]
        template:
          metadata:
            name: '{{{{ .name }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: '{{{{ .nope }}}}'
        """)
    assert recorder.seen == []
    (finding,) = result.findings
    assert finding.rule_id == "agent/appset-template"
    assert finding.location.line == line_of(tmp_path, "path: '{{ .nope }}'")
    assert 'no entry for key "nope"' in finding.message


def test_unsupported_construct_is_named_on_its_line_and_nothing_rendered(tmp_path: Path) -> None:
    result, recorder = read(tmp_path, f"""\
        goTemplate: true
        generators:
          - list:
              elements: [{{name: a}}, {{name: b}}]
        template:
          metadata:
            name: '{{{{ .name }}}}'
            labels:
              home: '{{{{ env "HOME" }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: apps
        """)
    assert recorder.seen == []
    (finding,) = result.findings
    assert finding.location.line == line_of(tmp_path, "home:")
    assert "function 'env'" in finding.message
    assert "not supported" in finding.message
    (skipped,) = result.skipped
    assert skipped.group == "not rendered: template construct not supported"


@pytest.mark.parametrize("kind", ["scmProvider", "pullRequest", "clusterDecisionResource", "plugin"])
def test_generators_needing_a_live_service_are_reported(tmp_path: Path, kind: str) -> None:
    result, recorder = read(tmp_path, f"""\
        generators:
          - {kind}:
              configMapRef: {{name: x}}
          - list:
              elements: [{{name: dev}}]
        """ + TEMPLATE)
    assert recorder.names == ["dev-web"]
    (skipped,) = result.skipped
    assert skipped.group == f"not rendered: generator {kind} needs a live service"
    assert skipped.path == f"argocd/appset.yaml:{line_of(tmp_path, kind + ':')}"


def test_generator_template_override_and_name_collision(tmp_path: Path) -> None:
    result, recorder = read(tmp_path, """\
        generators:
          - list:
              elements: [{name: dev}]
              template:
                metadata: {}
                spec:
                  source:
                    path: override/{{name}}
          - list:
              elements: [{name: dev}]
        """ + TEMPLATE)
    assert recorder.names == ["dev-web"]
    body = recorder.bodies[0]
    assert body["spec"]["source"] == {"repoURL": REPO, "path": "override/dev"}
    assert body["spec"]["project"] == "default"
    (finding,) = result.findings
    assert finding.rule_id == "agent/appset-name"
    assert "more than one Application" in finding.message


def test_template_patch(tmp_path: Path) -> None:
    _, recorder = read(tmp_path, f"""\
        goTemplate: true
        generators:
          - list:
              elements: [{{name: dev, auto: true}}, {{name: prod, auto: false}}]
        template:
          metadata:
            name: '{{{{ .name }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: apps
        templatePatch: |
          {{{{- if .auto }}}}
          spec:
            syncPolicy:
              automated: {{prune: true}}
          {{{{- end }}}}
        """)
    assert recorder.bodies[0]["spec"]["syncPolicy"] == {"automated": {"prune": True}}
    assert "syncPolicy" not in recorder.bodies[1]["spec"]


def test_expansion_is_bounded(tmp_path: Path) -> None:
    elements = "".join(f"              - {{name: a{i}}}\n" for i in range(1001))
    result, recorder = read(tmp_path, "        generators:\n          - list:\n"
                                      "              elements:\n" + elements + " " * 8 + TEMPLATE)
    assert recorder.seen == []
    (finding,) = result.findings
    assert "at most 1000" in finding.message


def test_plan_agents_reads_application_sets(tmp_path: Path) -> None:
    """Through the planner's dispatch, with the real Application reader."""
    write(tmp_path, {"argocd/appset.yaml": HEADER + textwrap.indent(
        "generators:\n  - list:\n      elements: [{name: dev}]\n" + textwrap.dedent(" " * 8 + TEMPLATE),
        "  ")})
    manifests = ["argocd/appset.yaml"]
    context = AgentContext(root=tmp_path, config=AgentConfig(), manifests=manifests,
                           chart_files={}, kustomize_tree=lambda _d: [],
                           index=ObjectIndex(tmp_path, manifests),
                           repository_urls=frozenset({normalise(REPO)}))
    plan = plan_agents(context)
    assert ("argocd/appset.yaml", 1) in plan.read  # (file, first line)
    assert [str(o) for o in plan.objects] == ["ApplicationSet argocd/apps"]


def test_files_a_git_files_generator_reads_are_inputs_of_the_targets(tmp_path: Path) -> None:
    """A change to a generator's config file must reach the Applications it parameterises."""
    write(tmp_path, {"envs/dev.yaml": "name: dev\n", "envs/prod.yaml": "name: prod\n"})
    result, _ = read(tmp_path, f"""\
        generators:
          - git:
              repoURL: {REPO}
              files:
                - path: envs/*.yaml
        """ + TEMPLATE)
    assert [t.name for t in result.targets] == ["Application argocd/dev-web",
                                                "Application argocd/prod-web"]
    for target in result.targets:
        assert {"envs/dev.yaml", "envs/prod.yaml"} <= set(target.inputs)


def test_matrix_list_from_elements_yaml_of_git_files(tmp_path: Path) -> None:
    """Argo CD's documented pattern: a list generator fed by a git file's list."""
    write(tmp_path, {"config/team-a.yaml": "team: a\ncomponents: [{name: api}, {name: ui}]\n"})
    _, recorder = read(tmp_path, f"""\
        goTemplate: true
        goTemplateOptions: ["missingkey=error"]
        generators:
          - matrix:
              generators:
                - git:
                    repoURL: {REPO}
                    files:
                      - path: config/*.yaml
                - list:
                    elementsYaml: "{{{{ .components | toJson }}}}"
        template:
          metadata:
            name: '{{{{ .team }}}}-{{{{ .name }}}}'
          spec:
            source:
              repoURL: {REPO}
              path: '{{{{ .path.path }}}}/{{{{ .path.filenameNormalized }}}}'
        """)
    assert recorder.names == ["a-api", "a-ui"]
    assert recorder.bodies[0]["spec"]["source"]["path"] == "config/team-a.yaml"


def test_generator_post_selector(tmp_path: Path) -> None:
    _, recorder = read(tmp_path, """\
        generators:
          - list:
              elements:
                - {name: dev, env: staging}
                - {name: prod, env: production}
            selector:
              matchExpressions:
                - {key: env, operator: NotIn, values: [staging]}
        """ + TEMPLATE)
    assert recorder.names == ["prod-web"]


def test_git_files_symlink_leaving_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("name: secret\n")
    root = tmp_path / "repo"
    (root / "envs").mkdir(parents=True)
    (root / "envs/dev.yaml").symlink_to(outside)
    result, recorder = read(root, f"""\
        generators:
          - git:
              repoURL: {REPO}
              files:
                - path: envs/*.yaml
        """ + TEMPLATE)
    assert recorder.seen == []
    (finding,) = result.findings
    assert "symlink leaving the repository" in finding.message


def test_git_files_alias_bomb_is_bounded(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    write(tmp_path, {"envs/bomb.yaml": bomb})
    result, recorder = read(tmp_path, f"""\
        generators:
          - git:
              repoURL: {REPO}
              files:
                - path: envs/*.yaml
        """ + TEMPLATE)
    assert recorder.seen == []
    (finding,) = result.findings
    assert "expands to more than" in finding.message


@pytest.mark.parametrize("text", [
    "{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}",
    "{{ repeat 2000000 \"x\" }}",
    "{{ repeat 1000000000000 \"x\" }}",
    "{{ printf \"%999999999999s\" \"x\" }}",
    "{{ indent 1000000000000 \"x\" }}",
    "{{ len (until 1000000000000) }}",
    "{{ $l := list }}{{ range until 100000 }}{{ $l = append $l . }}{{ end }}",
    "{{ if true }}" * 3000 + "{{ end }}" * 3000,
])
def test_hostile_templates_are_bounded(tmp_path: Path, text: str) -> None:
    result, recorder = read(tmp_path, f"""\
        goTemplate: true
        generators:
          - list:
              elements: [{{name: a}}]
        template:
          metadata:
            name: '{{{{ .name }}}}'
            annotations:
              x: '{text}'
          spec:
            source:
              repoURL: {REPO}
              path: apps
        """)
    assert recorder.seen == []
    (finding,) = result.findings
    assert finding.rule_id == "agent/appset-template"


def test_reader_findings_point_into_the_template(tmp_path: Path) -> None:
    """A finding the Application reader makes about a generated Application's field names the
    ApplicationSet's field (its line and its field path)."""
    from validator.model import Engine, Finding, Location, Severity  # noqa: PLC0415

    def reader(found: FoundObject, context: AgentContext) -> AgentRead:
        del context
        field = ("spec", "source", "path")
        return AgentRead(findings=(Finding(
            rule_id="agent/test", severity=Severity.ERROR, engine=Engine.RENDER, message="x",
            location=Location(path=found.path, line=found.line(field), field_path=field)),))

    write(tmp_path, {"argocd/appset.yaml": HEADER + textwrap.indent(
        "generators:\n  - list:\n      elements: [{name: dev}]\n" + textwrap.dedent(" " * 8 + TEMPLATE),
        "  ")})
    manifests = ["argocd/appset.yaml"]
    context = AgentContext(root=tmp_path, config=AgentConfig(), manifests=manifests,
                           chart_files={}, kustomize_tree=lambda _d: [],
                           index=ObjectIndex(tmp_path, manifests),
                           repository_urls=frozenset({normalise(REPO)}))
    (found,) = objects_in(tmp_path, manifests, AGENT_MARKERS)
    (finding,) = appset.read_application_set(found, context, reader).findings
    assert finding.location.field_path == ("spec", "template", "spec", "source", "path")
    assert finding.location.line == line_of(tmp_path, "path: apps/")


def test_malformed_directory_pattern_is_reported(tmp_path: Path) -> None:
    """Argo CD logs a malformed path.Match pattern and matches nothing; here it is said."""
    _apps(tmp_path, "api")
    result, recorder = read(tmp_path, f"""\
        generators:
          - git:
              repoURL: {REPO}
              directories:
                - path: 'apps/[a-'
        """ + TEMPLATE)
    assert recorder.seen == []
    (finding,) = result.findings
    assert finding.rule_id == "agent/appset-generator"
    assert "malformed" in finding.message
    assert finding.location.line == line_of(tmp_path, "apps/[a-")


def test_files_a_git_files_generator_reads_are_plan_inputs_of_the_targets(tmp_path: Path) -> None:
    """They shape the plan itself: ``diff`` must plan the base on its own when one changed."""
    write(tmp_path, {"envs/dev.yaml": "name: dev\n"})
    result, _ = read(tmp_path, f"""\
        generators:
          - git:
              repoURL: {REPO}
              files:
                - path: envs/*.yaml
        """ + TEMPLATE)
    (target,) = result.targets
    assert target.plan_inputs == ("envs/dev.yaml",)


def test_git_generators_list_only_under_the_patterns_literal_folders(tmp_path: Path) -> None:
    """Only the folders a pattern can match are walked (a checkout's other folders, or a
    symlink to a folder outside the repository on the way, are never listed)."""
    from validator.agents.git_generators import candidates  # noqa: PLC0415

    _apps(tmp_path, "api", "web")
    write(tmp_path, {"other/deep/x.yaml": "a: 1\n", "apps/web/conf/c.json": "{}",
                     ".hidden/apps/z/kustomization.yaml": "resources: []\n"})
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    (outside / "leak").mkdir(parents=True)
    (tmp_path / "linked").symlink_to(outside)
    assert candidates(tmp_path, ["apps/*"], folders=True) == \
        ["apps", "apps/api", "apps/web", "apps/web/conf"]
    assert candidates(tmp_path, ["apps/web/conf/*.json", "apps/api"], folders=False) == \
        ["apps/api/kustomization.yaml", "apps/web/conf/c.json"]
    assert candidates(tmp_path, ["apps/api/kustomization.yaml"], folders=False) == \
        ["apps/api/kustomization.yaml"]
    assert candidates(tmp_path, ["linked/*"], folders=True) == []
    assert candidates(tmp_path, [".hidden/apps/*"], folders=True) == []  # hidden: skipped
    assert "other/deep" in candidates(tmp_path, ["*/deep"], folders=True)


@pytest.mark.parametrize("depth", [400, 990, 3000])
def test_a_deeply_nested_template_is_a_finding_not_a_crash(tmp_path: Path, depth: int) -> None:
    nested = "x: " + "{a: " * depth + "b" + "}" * depth
    write(tmp_path, {"argocd/appset.yaml": HEADER + textwrap.indent(
        "generators:\n  - list:\n      elements: [{name: dev}]\n"
        "template:\n  metadata: {name: '{{name}}'}\n  spec:\n    source: {repoURL: " + REPO +
        ", path: apps}\n    " + nested + "\n", "  ")})
    manifests = ["argocd/appset.yaml"]
    context = AgentContext(root=tmp_path, config=AgentConfig(), manifests=manifests,
                           chart_files={}, kustomize_tree=lambda _d: [],
                           index=ObjectIndex(tmp_path, manifests),
                           repository_urls=frozenset({normalise(REPO)}))
    found = list(objects_in(tmp_path, manifests, AGENT_MARKERS))
    recorder = Recorder()
    for item in found:  # a file too deep to load is the load stage's to report
        result = appset.read_application_set(item, context, recorder)
        assert len(recorder.seen) == 1 or [f.rule_id for f in result.findings] == ["agent/appset-template"]
