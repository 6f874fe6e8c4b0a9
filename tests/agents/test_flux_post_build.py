"""Flux post-build substitution on a real ``kustomize build``, and where its findings land."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.agents.flux_repo import APPS, CLUSTER_VARS, DEPLOY, flux_repo, named, plan, write
from validator.agents.substitute import MAX_EXPANDED
from validator.cli import main
from validator.load import Document
from validator.model import Severity
from validator.render import RenderSettings, render_target
from validator.render.options import Substitution, ValueSource
from validator.render.post_build import post_build, substitute_document
from validator.render.settings import RenderResult
from validator.render.targets import Target, TargetKind

POLICIES = Path(__file__).resolve().parents[2] / "policies"
IMAGE = ("spec", "template", "spec", "containers", 0, "image")


def _render_apps(root: Path) -> RenderResult:
    target = named(plan(root), "Kustomization flux-system/apps")
    return render_target(target, root=root, settings=RenderSettings(jobs=1))


def _deployment(result: RenderResult) -> Document:
    found = [d for d in result.documents if d.kind == "Deployment"]
    assert len(found) == 1, result.findings
    return found[0]


def test_variables_are_substituted_with_their_yaml_types(tmp_path: Path) -> None:
    result = _render_apps(flux_repo(tmp_path))
    deploy = _deployment(result)
    spec = deploy.body["spec"]
    assert spec["replicas"] == 3  # "${replicas}" became the YAML integer 3
    assert spec["template"]["metadata"]["labels"]["env"] == "prod"  # substitute wins
    assert spec["template"]["spec"]["containers"][0]["image"] == "docker.io/nginx:1.27"
    assert deploy.target == "Kustomization flux-system/apps"
    assert not result.findings


def test_a_substituted_field_is_located_at_the_variable_definition(tmp_path: Path) -> None:
    deploy = _deployment(_render_apps(flux_repo(tmp_path)))
    image = deploy.locate(IMAGE)  # the tag is the last variable of the image
    assert (image.path, image.line) == ("clusters/prod/vars.yaml", 8)
    assert image.field_path == IMAGE
    replicas = deploy.locate(("spec", "replicas"))
    assert (replicas.path, replicas.line) == ("clusters/prod/apps.yaml", 23)
    # a field no variable wrote is located as the build locates it
    selector = deploy.locate(("spec", "selector"))
    assert (selector.path, selector.line) == ("apps/deploy.yaml", 7)
    name = deploy.locate(("metadata", "name"))  # the Kustomization's namePrefix made it
    assert (name.path, name.line) == ("clusters/prod/apps.yaml", 16)


def test_undefined_variable_is_a_warning_where_it_is_used(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "apps/deploy.yaml", DEPLOY.replace("${registry}", "${mirror}"))
    result = _render_apps(root)
    assert _deployment(result).body["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "/nginx:1.27"
    [warning] = result.findings
    assert warning.rule_id == "agent/substitute-undefined"
    assert warning.severity is Severity.WARNING
    assert (warning.location.path, warning.location.line) == ("apps/deploy.yaml", 15)
    assert "mirror" in warning.message


def test_disabled_objects_and_escapes_are_left_alone(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "apps/script.yaml", """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: script
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
data:
  run.sh: echo ${HOME} $${x}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: escaped
data:
  run.sh: echo $HOME $${registry} ${registry}
""")
    write(root, "apps/kustomization.yaml", "resources:\n- deploy.yaml\n- script.yaml\n")
    result = _render_apps(root)
    data = {d.resource.name: d.body.get("data") for d in result.documents if d.kind == "ConfigMap"}
    assert data["prod-script"] == {"run.sh": "echo ${HOME} $${x}"}  # namePrefix: prod-
    assert data["prod-escaped"] == {"run.sh": "echo $HOME ${registry} docker.io"}
    assert not result.findings


def test_a_value_that_breaks_the_yaml_is_an_error_on_the_object(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/vars.yaml", CLUSTER_VARS.replace("docker.io", "'[broken: x"))
    result = _render_apps(root)
    [error] = [f for f in result.findings if f.rule_id == "agent/substitute-failed"]
    assert error.severity is Severity.ERROR
    assert (error.location.path, error.location.line) == ("apps/deploy.yaml", 1)
    assert "break its YAML" in error.message


def test_no_variables_means_no_substitution(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/apps.yaml", APPS.split("  postBuild:")[0])
    deploy = _deployment(_render_apps(root))
    assert deploy.body["spec"]["replicas"] == "${replicas}"


def test_substitute_document_records_fields_after_key_substitution() -> None:
    where = ValueSource(path="x.yaml", index=0, field=("data",))
    substitution = Substitution(variables={"k": "key", "v": "value"}, sources={"k": where, "v": where})
    result = substitute_document("kind: X\ndata:\n  ${k}: ${v}\n  other: ${nope}\n", substitution)
    assert result.text == "kind: X\ndata:\n  key: value\n  other: \n"
    assert dict(result.fields) == {("data", "key"): "v"}  # the value's variable, at the new key
    assert result.undefined == ((("data", "other"), "nope"),)


def _check(root: Path) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, [
        "check", str(root), "--root", str(root), "--policy", str(POLICIES), "--namespace", "k8s.*",
        "--no-progress",
        "--jobs", "2", "-o", "json"], catch_exceptions=False)
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def test_check_reports_a_substituted_violation_at_the_configmap_line(tmp_path: Path) -> None:
    """End to end through ``check`` and the real policies: the ConfigMap sets ``latest``."""
    root = flux_repo(tmp_path)
    write(root, "clusters/prod/vars.yaml", CLUSTER_VARS.replace('"1.27"', "latest"))
    findings = _check(root)
    tags = [(f["path"], f["line"], f["target"]) for f in findings if f["rule_id"] == "K8S-006"]
    assert tags == [("clusters/prod/vars.yaml", 8, "Kustomization flux-system/apps")]


def test_check_renders_the_flux_bootstrap_folder_without_kustomization(tmp_path: Path) -> None:
    root = flux_repo(tmp_path)
    findings = _check(root)
    assert not [f for f in findings if str(f["rule_id"]).startswith(("render/", "agent/"))]


def test_the_substituted_build_is_bounded_as_a_whole() -> None:
    """Each object under the limit, but many objects: the budget is the build's, and the
    objects past it are left as built (with the substitution's finding)."""
    where = ValueSource(path="vars.yaml", index=0, field=("data", "v"))
    substitution = Substitution(variables={"v": "x" * (1 << 20)}, sources={"v": where})
    target = Target(kind=TargetKind.KUSTOMIZE, path="apps", name="Kustomization flux-system/apps",
                    reason="test", substitution=substitution)
    one = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cN\ndata:\n  big: " + \
        "${v}" * 40 + "\n"
    output = "".join("---\n" + one.replace("cN", f"c{n}") for n in range(4)).encode()
    given: list[bytes] = []

    def load(data: bytes) -> RenderResult:
        given.append(data)
        return RenderResult()

    post_build(output, target, Path(), load)
    assert len(given[0]) <= MAX_EXPANDED + len(output)
    assert b"${v}" in given[0]  # the objects past the budget, as built
