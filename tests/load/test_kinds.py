"""Typed lists are expanded as kubectl expands them; files that are not manifests are skipped."""

from __future__ import annotations

import pytest

from validator.load import load_bytes

DEPLOYMENT_LIST = """\
apiVersion: apps/v1
kind: DeploymentList
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
            - name: app
              image: nginx:1.27
              securityContext: {privileged: true}
"""


@pytest.mark.parametrize("kind", ["List", "DeploymentList", "ConfigMapList", "FooBarList"])
def test_every_typed_list_is_expanded_with_item_positions(kind: str) -> None:
    text = DEPLOYMENT_LIST.replace("kind: DeploymentList", f"kind: {kind}")
    result = load_bytes(text.encode(), display_path="l.yaml")
    assert result.findings == ()
    (document,) = result.documents
    assert (document.kind, document.resource.name, document.base_path) == (
        "Deployment", "web", ("items", 0))
    privileged = ("spec", "template", "spec", "containers", 0, "securityContext", "privileged")
    assert document.locate(privileged).line == 13


def test_a_list_kind_without_items_stays_an_object() -> None:
    result = load_bytes(b"apiVersion: v1\nkind: PodList\nmetadata: {}\n", display_path="p.yaml")
    assert [d.kind for d in result.documents] == ["PodList"]


@pytest.mark.parametrize(("path", "text"), [
    ("package.json", '{"name": "x", "version": "1.0.0", "scripts": {"test": "jest"}}'),
    ("mkdocs.yml", "site_name: Docs\nnav:\n  - Home: index.md\n"),
    (".gitlab-ci.yml", "stages: [build]\nbuild:\n  script: [make]\n"),
    ("compose.yaml", "services:\n  web:\n    image: nginx\n"),
    ("playbook.yaml", "- hosts: all\n  tasks:\n    - ping:\n"),
])
def test_plainly_non_kubernetes_files_are_skipped_and_listed(path: str, text: str) -> None:
    result = load_bytes(text.encode(), display_path=path)
    assert (result.documents, result.findings) == ((), ())
    (skipped,) = result.skipped
    assert skipped.path == f"{path}:1"
    assert "not a Kubernetes object" in skipped.reason


def test_metadata_or_spec_without_kind_is_still_an_error() -> None:
    data = b"metadata: {name: a}\n---\nspec: {replicas: 1}\n---\napiVersion: v1\n"
    result = load_bytes(data, display_path="b.yaml")
    assert [(f.rule_id, f.location.line) for f in result.findings] == [
        ("load/missing-kind", 1), ("load/missing-kind", 3), ("load/missing-kind", 5)]


@pytest.mark.parametrize(("text", "reason"), [
    ("apiVersion: v1\nkind: ConfigMap\ndata: {{ data }}\n", "a template (Jinja"),
    ("{% for x in xs %}\n- {{ x }}\n{% endfor %}\n", "a template (Jinja"),
    ("site_name: x\nextra:\n  key: !ENV [KEY, default]\n", "an !ENV tag"),
    ("a: !!python/name:os.system\n", "a !!python/ tag"),
])
def test_templates_that_do_not_parse_are_skipped_with_their_reason(text: str, reason: str) -> None:
    result = load_bytes(text.encode(), display_path="t.yaml")
    assert (result.documents, result.findings) == ((), ())
    (skipped,) = result.skipped
    assert (skipped.path, reason in skipped.reason) == ("t.yaml", True)


def test_a_broken_manifest_without_template_markers_stays_a_syntax_error() -> None:
    result = load_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata: [a\n", display_path="x.yaml")
    assert [f.rule_id for f in result.findings] == ["load/syntax"]


def test_many_non_kubernetes_documents_are_summarised() -> None:
    result = load_bytes(b"a: 1\n---\n" * 50, display_path="m.yaml")
    assert len(result.skipped) == 11
    assert result.skipped[-1].reason == "40 more documents that are not Kubernetes objects"


@pytest.mark.parametrize("text", [
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations: {a: !!python/str x}\n",
    "\"\\x61piVersion\": v1\nkind: ConfigMap\nmetadata: {name: !ENV c}\n",
    "a: 1\n---\n{apiVersion: v1, kind: ConfigMap, metadata: {name: !!python/none c}}\n",
])
def test_a_manifest_with_a_tag_go_tools_accept_is_an_error_not_a_skip(text: str) -> None:
    """kustomize, kubectl and Argo CD read ``!!python/str x`` as ``x`` and apply the object:
    skipping it as "a tool configuration" would pass a manifest nobody checked."""
    result = load_bytes(text.encode(), display_path="t.yaml")
    assert not [s for s in result.skipped if "tag" in s.reason], result.skipped
    assert [f.rule_id for f in result.findings] == ["load/syntax"]
