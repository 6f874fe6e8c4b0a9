"""Security: the SARIF file is written inside the workspace, never through a link of the head.

In a ``pull_request`` workflow (or ``pull_request_target`` checking out the head) the
workspace holds the change under review; it may commit ``.results.sarif.partial`` or the
folder the ``sarif-file`` input names as a symbolic link leading anywhere the runner's user
can write (a later step's script, a self-hosted runner's files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.action.outputs import write_sarif
from validator.errors import UsageError
from validator.model import Report
from validator.report import RenderOptions

EMPTY = Report(findings=(), resources=0, files=0, compared=True)


def test_a_linked_partial_file_does_not_write_through_the_link(tmp_path: Path) -> None:
    workspace, victim = tmp_path / "workspace", tmp_path / "victim.sh"
    workspace.mkdir()
    victim.write_text("echo kept\n")
    (workspace / ".results.sarif.partial").symlink_to(victim)
    write_sarif(workspace / "results.sarif", EMPTY, RenderOptions(), workspace=workspace)
    assert victim.read_text() == "echo kept\n"
    assert '"2.1.0"' in (workspace / "results.sarif").read_text()
    assert not (workspace / "results.sarif").is_symlink()


def test_a_linked_folder_leading_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    workspace, elsewhere = tmp_path / "workspace", tmp_path / "elsewhere"
    workspace.mkdir()
    elsewhere.mkdir()
    (workspace / "reports").symlink_to(elsewhere)
    with pytest.raises(UsageError, match="outside the workspace"):
        write_sarif(workspace / "reports" / "deep" / "results.sarif", EMPTY, RenderOptions(),
                    workspace=workspace)
    assert list(elsewhere.iterdir()) == []


def test_a_linked_folder_inside_the_workspace_is_followed(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "out").mkdir(parents=True)
    (workspace / "reports").symlink_to("out")
    write_sarif(workspace / "reports" / "results.sarif", EMPTY, RenderOptions(), workspace=workspace)
    assert (workspace / "out" / "results.sarif").is_file()


def test_the_cli_report_files_do_not_write_through_a_linked_partial_file(tmp_path: Path) -> None:
    """The same for the CLI's report files (``-o sarif=results.sarif`` in a CI checkout of
    the head): the temporary name is the validator's, not the user's."""
    from validator.cli.common import _write_whole  # noqa: PLC0415

    victim = tmp_path / "victim.sh"
    victim.write_text("echo kept\n")
    (tmp_path / ".results.sarif.partial").symlink_to(victim)
    _write_whole(tmp_path / "results.sarif", "{}\n")
    assert victim.read_text() == "echo kept\n"
    assert (tmp_path / "results.sarif").read_text() == "{}\n"
