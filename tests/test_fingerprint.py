"""The fingerprint: what identifies a finding across revisions (docs/fingerprints.md)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from validator.fingerprint import field_key, normalise_message
from validator.load import Document
from validator.model import Engine, FieldPath, Finding, Location, ResourceRef, Severity

WEB = ResourceRef(api_version="apps/v1", kind="Deployment", namespace="prod", name="web")
PRIVILEGED = ("spec", "template", "spec", "containers", 0, "securityContext", "privileged")


class _LineOfDepth:
    """A locator that puts every field on the line of its depth (positions do not matter here)."""

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        return Location(path="apps/web.yaml", line=len(field_path) + 1)


def _document(containers: list[Any]) -> Document:
    body = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"template": {"spec": {"containers": containers}}}}
    return Document(body=body, path="apps/web.yaml", index=0, locator=_LineOfDepth())


def _finding(location: Location, **changes: Any) -> Finding:
    found = Finding(rule_id="K8S-001", severity=Severity.ERROR,
                    message="Deployment 'web': container 'app' runs privileged",
                    location=location, engine=Engine.POLICY, resource=WEB)
    return replace(found, **changes)


def test_named_list_items_are_identified_by_name_not_index() -> None:
    body = {"spec": {"containers": [{"name": "sidecar"}, {"name": "app", "ports": [{"containerPort": 80}]}]}}
    assert field_key(body, ("spec", "containers", 1, "ports", 0, "containerPort")) == (
        "spec.containers[name='app'].ports[0].containerPort")
    # an item with no string name, or a path past the data, keeps its index
    assert field_key({"a": [{"name": 3}, "x"]}, ("a", 0, "b")) == "a[0].b"
    assert field_key({"a": [{"name": "n"}]}, ("a", 5, "b")) == "a[5].b"
    assert field_key({"metadata": {"annotations": {}}}, ("metadata", "annotations", "x.io/y")) == (
        "metadata.annotations['x.io/y']")


def test_a_container_inserted_before_another_keeps_the_others_fingerprint() -> None:
    before = _document([{"name": "app", "securityContext": {"privileged": True}}])
    after = _document([{"name": "init-proxy"}, {"name": "app", "securityContext": {"privileged": True}}])
    old = _finding(before.locate(PRIVILEGED))
    new = _finding(after.locate((*PRIVILEGED[:4], 1, *PRIVILEGED[5:])))
    assert old.location.field != new.location.field  # the index did change ...
    assert old.fingerprint == new.fingerprint  # ... the identity did not


def test_a_different_container_has_a_different_fingerprint() -> None:
    doc = _document([{"name": "app", "securityContext": {"privileged": True}},
                     {"name": "other", "securityContext": {"privileged": True}}])
    first = _finding(doc.locate(PRIVILEGED))
    second = _finding(doc.locate((*PRIVILEGED[:4], 1, *PRIVILEGED[5:])))
    assert first.fingerprint != second.fingerprint


def test_messages_lose_line_numbers_and_indexes() -> None:
    assert normalise_message("duplicate key 'a' (first at line 12)") == (
        normalise_message("duplicate key 'a' (first at line 40)"))
    assert normalise_message("see apps/web.yaml:12:5 and base.yml:3") == "see apps/web.yaml and base.yml"
    assert normalise_message("containers[3].image is wrong at /spec/containers/3/image") == (
        "containers[].image is wrong at /spec/containers/*/image")
    assert normalise_message("Deployment 'w': container '#2' runs privileged") == (
        "Deployment 'w': container '#' runs privileged")
    assert normalise_message("document 3 is a scalar") == "document # is a scalar"
    # values are not indexes: they stay part of the identity
    assert normalise_message("image nginx:1.27 has replicas 3 in 10.0.0.0/16") == (
        "image nginx:1.27 has replicas 3 in 10.0.0.0/16")


def test_fingerprint_ignores_line_index_in_message_and_api_version() -> None:
    at = Location(path="apps/web.yaml", line=3, field_path=("spec",))
    first = _finding(at, message="bad thing at line 3 in containers[0]")
    moved = _finding(replace(at, line=9), message="bad thing at line 9 in containers[1]")
    assert first.fingerprint == moved.fingerprint
    # a version bump of the same group keeps the resource; another group does not
    assert _finding(at, resource=replace(WEB, api_version="apps/v1beta2")).fingerprint == (
        _finding(at).fingerprint)
    assert _finding(at, resource=replace(WEB, api_version="extensions/v1beta1")).fingerprint != (
        _finding(at).fingerprint)


def test_fingerprint_at_another_path_is_the_fingerprint_of_the_renamed_file() -> None:
    at = Location(path="apps/web.yaml", line=3)
    renamed = _finding(replace(at, path="apps/frontend.yaml"))
    assert _finding(at).fingerprint_at("apps/frontend.yaml") == renamed.fingerprint
    assert _finding(at).fingerprint_at("apps/web.yaml") == _finding(at).fingerprint
