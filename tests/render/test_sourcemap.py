"""Source-map building blocks on hand-written inputs: documents, paths, template lines."""

from __future__ import annotations

from validator.render.helm_map import document_sources, find_field_line
from validator.render.helm_values import values_reference
from validator.render.paths import looks_remote
from validator.render.sourcemap import find_document, parse_text, translate_path

SOURCE = """\
kind: Deployment
metadata: {name: web}
---
kind: Deployment
metadata: {name: web-canary}
---
kind: Service
metadata: {name: web}
"""


def test_find_document_by_kind_and_longest_contained_name() -> None:
    source = parse_text(SOURCE, "apps/web.yaml")
    assert find_document(source, "Deployment", ["web"]) == 0
    assert find_document(source, "Deployment", ["prod-web-canary"]) == 1
    assert find_document(source, "Deployment", ["prod-web"]) == 0
    assert find_document(source, "Service", ["other"]) == 2  # the only Service
    assert find_document(source, "Deployment", ["other"]) is None


def test_translate_path_follows_merge_keys() -> None:
    rendered = {"containers": [{"name": "sidecar", "image": "s"}, {"name": "app", "image": "a"}]}
    patch = {"containers": [{"name": "app", "image": "b"}]}
    assert translate_path(rendered, patch, ("containers", 1, "image")) == (
        ("containers", 0, "image"), True)
    assert translate_path(rendered, patch, ("containers", 0, "image")) == (("containers",), False)
    assert translate_path(rendered, patch, ("containers", 1, "ports")) == (
        ("containers", 0), False)


def test_document_sources_count_documents_like_the_parser() -> None:
    output = ("---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\n"
              "kind: B\n---\n# Source: c/templates/empty.yaml\n")
    assert document_sources(output) == [
        "c/templates/a.yaml", "c/templates/b.yaml", "c/templates/empty.yaml"]
    assert document_sources("kind: A\n---\n# Source: x/templates/b.yaml\nkind: B\n") == [
        "", "x/templates/b.yaml"]


TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector: {{ toYaml . | nindent 8 }}
      {{- end }}
      containers:
      - name: app
        image: {{ .Values.image }}
      - name: "sidecar"
        image: busybox
        securityContext:
          {{- toYaml .Values.sidecar | nindent 10 }}
  replicas: 1
"""


def test_template_lines_by_indentation() -> None:
    lines = TEMPLATE.splitlines()

    def line(*path: str | int) -> int:
        return find_field_line(lines, 0, len(lines), path) + 1

    spec = ("spec", "template", "spec")
    assert line(*spec, "containers", 0, "image") == 11
    assert line(*spec, "containers", 1, "image") == 13
    assert line(*spec, "containers", 1, "securityContext", "privileged") == 14
    assert line(*spec, "nodeSelector", "disk") == 7
    assert line("spec", "replicas") == 16  # a sibling after a deeper block
    assert line("metadata", "name") == 0  # nothing written: the caller falls back


def test_remote_references() -> None:
    for remote in ("https://github.com/org/repo//base?ref=v1", "git@github.com:org/repo.git",
                   "github.com/org/repo/base?ref=main", "ssh://git@host/repo.git"):
        assert looks_remote(remote), remote
    for local in ("../base", "deployment.yaml", "overlays/prod", "my.app/v2"):
        assert not looks_remote(local), local


def test_values_references_of_copied_fields() -> None:
    lines = TEMPLATE.splitlines()
    image = ("spec", "template", "spec", "containers", 0, "image")
    assert values_reference(lines, 10, 6, image) == ("image",)
    privileged = ("spec", "template", "spec", "containers", 1, "securityContext", "privileged")
    assert values_reference(lines, 13, 6, privileged) == ("sidecar", "privileged")
    assert values_reference(lines, 12, 6, image) is None  # busybox: written literally
    composite = ['image: "{{ .Values.repository }}:{{ .Values.tag }}"']
    assert values_reference(composite, 0, 1, ("image",)) is None  # computed from two values
    assert values_reference(['image: "{{ .Values.image | default "x" }}"'], 0, 1, ("image",)) == (
        "image",)
    assert values_reference(lines, 6, 4, ("spec", "template", "spec", "nodeSelector", "disk")) \
        is None  # a `with` block: not a verbatim copy
