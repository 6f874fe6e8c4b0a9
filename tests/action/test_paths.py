"""Report and change paths of a sub-folder root put back in the checkout's coordinates."""

from __future__ import annotations

from validator.action.paths import at_top
from validator.change.model import Change, ChangeStatus, FileChange, LineRange
from validator.model import Engine, Finding, FindingStatus, Location, Report, Severity, Skipped


def _finding(path: str, status: FindingStatus) -> Finding:
    return Finding(rule_id="K8S-001", severity=Severity.ERROR, message="privileged",
                   location=Location(path=path, line=3), engine=Engine.POLICY, status=status)


def test_paths_get_the_root_in_front() -> None:
    report = Report(findings=(_finding("apps/a.yaml", FindingStatus.NEW),), resources=1, files=1,
                    fixed=(_finding("apps/b.yaml", FindingStatus.FIXED),),
                    skipped=(Skipped(path="apps/c.bin", reason="binary"),), compared=True)
    change = Change(base="b" * 40, head="c" * 40, files=(
        FileChange(path="apps/a.yaml", status=ChangeStatus.RENAMED, old_path="old/a.yaml",
                   commentable=(LineRange(start=1, end=4),)),))
    moved, moved_change = at_top(report, change, "deploy")
    assert [f.location.path for f in moved.findings] == ["deploy/apps/a.yaml"]
    assert [f.location.path for f in moved.fixed] == ["deploy/apps/b.yaml"]
    assert [s.path for s in moved.skipped] == ["deploy/apps/c.bin"]
    assert moved_change is not None
    assert (moved_change.files[0].path, moved_change.files[0].old_path) == ("deploy/apps/a.yaml",
                                                                            "deploy/old/a.yaml")
    assert moved_change.files[0].commentable == (LineRange(start=1, end=4),)


def test_the_top_root_changes_nothing() -> None:
    report = Report(findings=(_finding("a.yaml", FindingStatus.NEW),), resources=1, files=1)
    assert at_top(report, None, "") == (report, None)


def test_a_file_level_path_of_the_root_itself() -> None:
    report = Report(findings=(), resources=0, files=0, skipped=(Skipped(path=".", reason="x"),))
    moved, _ = at_top(report, None, "deploy")
    assert [s.path for s in moved.skipped] == ["deploy"]
