"""Hostile Helm charts: each is small on disk and bounded in what it makes helm do.

A chart is written under the case folder; the gallery checks that the known-bad
finding beside it survives, that the case's own finding is reported, that nothing
outside the repository leaks into the report, and that nothing connects to the
gallery's listener (which is the kubeconfig cluster of the validator's environment).
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from tests.hostile.gallery import hostile

#: Only a leak could print this: it is written outside every chart.
SECRET_MARKER = "HOSTILE-SECRET-OUTSIDE-THE-CHART"
#: The first line of /etc/passwd on every Linux system.
PASSWD_MARKER = "root:x:0:0"


def chart(folder: Path, templates: dict[str, str], *, values: str = "{}\n") -> Path:
    """A chart ``folder/chart`` with ``templates`` (name -> text) and ``values``."""
    root = folder / "chart"
    (root / "templates").mkdir(parents=True)
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: hostile\nversion: 0.1.0\n")
    (root / "values.yaml").write_text(values)
    for name, text in templates.items():
        (root / "templates" / name).write_text(text)
    return root


@hostile("helm-include-loop", expect=("render/helm-template-error",))
def include_loop(folder: Path) -> None:
    """A named template that includes itself: Helm's recursion limit stops it."""
    chart(folder, {"_loop.tpl": '{{- define "loop" }}{{ include "loop" . }}{{- end }}\n',
                   "cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loop\n'
                              'data:\n  x: {{ include "loop" . | quote }}\n'})


@hostile("helm-invalid-yaml-output", expect=("render/helm-template-error",))
def invalid_yaml(folder: Path) -> None:
    """A template whose output is not YAML."""
    chart(folder, {"bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ \"a: b: [\" }}\n"
                               "data: {x: [1, 2}\n"})


@hostile("helm-deeply-nested-output", expect=("load/syntax",))
def deep_output(folder: Path) -> None:
    """A template that writes 5000 nested flow sequences: libyaml's nesting cap holds,
    and the finding names the template (not Chart.yaml at a line of the output)."""
    chart(folder, {"deep.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n'
                                'data:\n  x: {{ repeat 5000 "[" }}{{ repeat 5000 "]" }}\n'})


@hostile("helm-values-alias-bomb", expect=("render/input-limit",))
def values_bomb(folder: Path) -> None:
    """A values file that expands to a billion nodes: refused before helm parses it."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    chart(folder, {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n"},
          values="\n".join(lines) + "\n")


@hostile("helm-huge-values-file", expect=("render/input-limit",))
def huge_values(folder: Path) -> None:
    """A values file over the input size limit (generated, never committed): not read."""
    root = chart(folder, {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n"})
    with (root / "values.yaml").open("w") as values:
        values.write("big: ")
        values.write("x" * (17 * 1024 * 1024))
        values.write("\n")


@hostile("helm-huge-output", expect=("render/helm-failed",))
def huge_output(folder: Path) -> None:
    """A small template that writes 70 MB: the render output limit refuses it."""
    chart(folder, {"big.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n'
                               'data:\n  x: {{ repeat 70000000 "x" | quote }}\n'})


@hostile("helm-symlinked-templates", expect=("render/symlink-escape",), forbidden=(PASSWD_MARKER,))
def symlinked_templates(folder: Path) -> None:
    """Templates that are symlinks out of the repository (a file and a folder): refused."""
    root = chart(folder, {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"})
    (root / "templates" / "passwd.yaml").symlink_to("/etc/passwd")
    (root / "templates" / "etc").symlink_to("/etc")


@hostile("helm-files-get-outside-the-chart", forbidden=(SECRET_MARKER, PASSWD_MARKER))
def files_outside(folder: Path) -> None:
    """``.Files.Get``/``.Files.Glob`` of paths outside the chart read nothing.

    The kind is the file's content: a finding quotes it, so a read would show (the
    positive control in ``test_helm_controls.py`` proves that a file inside the chart does).
    """
    (folder / "secret.txt").write_text(SECRET_MARKER + "\n")
    chart(folder, {"cm.yaml": 'apiVersion: v1\nkind: {{ .Files.Get "../secret.txt" | trim | quote }}\n'
                              'metadata:\n  name: outside\n'
                              'data:\n  passwd: {{ .Files.Get "/etc/passwd" | quote }}\n'
                              '  up: {{ .Files.Get "../../../../../../etc/passwd" | quote }}\n'
                              '  glob: {{ .Files.Glob "../**" | toJson | quote }}\n'})


@hostile("helm-lookup-against-a-cluster", expect=("schema/type",))
def lookup(folder: Path) -> None:
    """``lookup`` with a kubeconfig in the environment: helm template asks no cluster.

    The count of what lookup found is written as a number where a string belongs, so
    the object is rendered and judged (a schema/type finding) rather than refused.
    """
    chart(folder, {"cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lookup\n'
                              'data:\n  found: {{ len (lookup "v1" "Secret" "kube-system" "") }}\n'})


@hostile("helm-packed-subchart-path-traversal", expect=("render/helm-failed",),
         forbidden=(SECRET_MARKER,))
def packed_traversal(folder: Path) -> None:
    """A vendored subchart archive whose members climb out of the chart: helm refuses it."""
    root = chart(folder, {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"})
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: hostile\nversion: 0.1.0\n"
                                     "dependencies:\n  - name: sub\n    version: 0.1.0\n")
    (root / "charts").mkdir()
    members = {"sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
               "sub/../../../escaped.yaml": SECRET_MARKER}
    with tarfile.open(root / "charts" / "sub-0.1.0.tgz", "w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


@hostile("helm-random-values-and-test-hook", expect=("schema/type",))
def random_values(folder: Path) -> None:
    """Random names and values (stood in for) and a test hook (skipped and listed)."""
    chart(folder, {
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r-{{ randAlphaNum 6 | lower }}\n"
                   "data:\n  n: {{ randInt 10 99 }}\n  id: {{ uuidv4 | quote }}\n",
        "test.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n"
                     '    "helm.sh/hook": test\nspec:\n  containers: [{name: t, image: busybox}]\n'})
