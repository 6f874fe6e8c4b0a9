"""Positive controls: the gallery's leak and network checks can fail for the Helm cases.

A forbidden-string check or a listener that nothing could ever reach would pass
whatever the validator did. These show, with the real helm, that a file the chart
may read does reach the report through the kind (as the ``.Files.Get`` case would
show a leak), and that helm given the gallery's kubeconfig does connect to the
listener when asked to reach a cluster (as ``lookup`` would, were it ever run so).
"""

from __future__ import annotations

from pathlib import Path

from tests.hostile.cases_helm import SECRET_MARKER, chart
from tests.hostile.gallery import HostileCase, write_repository
from tests.hostile.test_gallery import check_repository, write_kubeconfig
from tests.support.listener import loopback_listener
from validator.process import Command, run
from validator.tools import Tool, require_tool


def test_a_file_the_chart_reads_reaches_the_report(tmp_path: Path) -> None:
    def inside(folder: Path) -> None:
        root = chart(folder, {"cm.yaml": 'apiVersion: v1\nkind: {{ .Files.Get "secret.txt" | trim '
                                         '| quote }}\nmetadata:\n  name: inside\n'})
        (root / "secret.txt").write_text(SECRET_MARKER + "\n")

    case = HostileCase(name="control", build=inside)
    write_repository(tmp_path / "repo", case)
    code, _, stdout, _ = check_repository(tmp_path / "repo", case)
    assert code == 1
    assert SECRET_MARKER in stdout


def test_helm_with_the_gallery_kubeconfig_reaches_the_listener(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    root = chart(folder, {"cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\n'
                                     'data:\n  n: {{ len (lookup "v1" "Secret" "" "") | quote }}\n'})
    with loopback_listener() as listener:
        env = {"KUBECONFIG": str(write_kubeconfig(tmp_path / "kubeconfig", listener)),
               "HOME": str(tmp_path)}
        helm = str(require_tool(Tool.HELM))
        run(Command(args=(helm, "template", "x", str(root)), env=env, timeout=60))
        assert listener.connections == []  # helm template asks no cluster...
        run(Command(args=(helm, "template", "x", str(root), "--dry-run=server"), env=env,
                    timeout=60, ok_codes=frozenset({0, 1})))
    assert listener.connections  # ...but it would, and the listener would see it
