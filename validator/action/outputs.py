"""What a step leaves behind for the rest of the job: outputs, the job summary, a SARIF file.

- ``GITHUB_OUTPUT``: each output in the multi-line form ``name<<DELIMITER`` ... ``DELIMITER``
  with a random delimiter (as ``@actions/core`` writes it), so no value (a path from an
  input) can end its own entry early and set another output.
- ``GITHUB_STEP_SUMMARY``: appended, and kept within GitHub's 1 MiB limit per step (a larger
  summary is dropped whole by the runner); what does not fit is cut at a line and said so.
- ``sarif-file``: SARIF 2.1.0 (``baselineState`` on a compared report), written whole.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from validator.errors import UsageError
from validator.model import Report
from validator.report import OutputFormat, RenderOptions, render_report

__all__ = ["MAX_SUMMARY_BYTES", "StepOutputs", "append_step_summary", "parse_output_file",
           "write_outputs", "write_sarif"]

#: GitHub refuses a step summary larger than 1 MiB.
MAX_SUMMARY_BYTES = 1024 * 1024
_TRUNCATED = ("\n_The rest of the report is not shown: the job summary limit (1 MiB) was "
              "reached. See the check run or the SARIF file._\n")
_HEREDOC = re.compile(r"^([^=<\n]+)<<(.+)$")


@dataclass(frozen=True, kw_only=True)
class StepOutputs:
    """The step's outputs (action.yml lists them)."""

    conclusion: str
    """``success`` or ``failure`` (the check run's conclusion)."""
    new: int
    """New findings (every finding, for a full check)."""
    existing: int
    """Findings the base had too."""
    fixed: int
    """Base findings the head no longer has."""
    sarif_file: str = ""
    """The SARIF file written, as the input named it; empty: none."""

    def items(self) -> tuple[tuple[str, str], ...]:
        """Output name and value, in action.yml's order."""
        return (("conclusion", self.conclusion), ("new-findings", str(self.new)),
                ("existing-findings", str(self.existing)), ("fixed-findings", str(self.fixed)),
                ("sarif-file", self.sarif_file))


def write_outputs(path: Path, outputs: StepOutputs) -> None:
    """Append ``outputs`` to the ``GITHUB_OUTPUT`` file at ``path``."""
    entries = []
    for name, value in outputs.items():
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        while delimiter in value:  # pragma: no cover - a random UUID inside a value
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
        entries.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    _append(path, "".join(entries), "GITHUB_OUTPUT")


def parse_output_file(path: Path) -> dict[str, str]:
    """The outputs in ``path`` as the Actions runner reads them (both ``name=value`` and the
    heredoc form); a later value of a name wins."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").split("\n"))
    for line in lines:
        if match := _HEREDOC.match(line):
            value: list[str] = []
            for item in lines:
                if item == match.group(2):
                    break
                value.append(item)
            outputs[match.group(1)] = "\n".join(value)
        elif "=" in line:
            name, _, value_text = line.partition("=")
            outputs[name] = value_text
    return outputs


def append_step_summary(path: Path, markdown: str) -> None:
    """Append ``markdown`` to the job summary at ``path``, within :data:`MAX_SUMMARY_BYTES`."""
    used = path.stat().st_size if path.exists() else 0
    data = markdown.encode()
    if used + len(data) > MAX_SUMMARY_BYTES:
        room = max(0, MAX_SUMMARY_BYTES - used - len(_TRUNCATED.encode()))
        cut = data[:room]
        cut = cut[:cut.rfind(b"\n") + 1]  # at a line boundary (never inside a character)
        markdown = cut.decode() + _TRUNCATED
    _append(path, markdown, "GITHUB_STEP_SUMMARY")


def write_sarif(path: Path, report: Report, options: RenderOptions, *, workspace: Path) -> None:
    """Write ``report`` as SARIF to ``path`` (whole: a temporary file, then renamed).

    The workspace may hold the change under review: a folder on the way that is a link
    leading outside ``workspace`` is refused, and the temporary file is created afresh
    (``O_EXCL | O_NOFOLLOW``, after removing whatever has its name), so nothing is written
    through a link the change committed."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        _inside_workspace(path.parent, workspace)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)  # a link: the link itself goes, never its target
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(render_report(report, OutputFormat.SARIF, options))
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"input `sarif-file`: cannot write {path}: {exc.strerror or exc}") from exc


def _inside_workspace(folder: Path, workspace: Path) -> None:
    """Refuse ``folder`` when its deepest existing part resolves outside ``workspace``."""
    existing = next((p for p in (folder, *folder.parents) if p.exists() or p.is_symlink()), folder)
    if not existing.resolve().is_relative_to(workspace.resolve()):
        raise UsageError(f"input `sarif-file`: {folder} leads outside the workspace {workspace} "
                         "through a symbolic link (the change under review may have committed "
                         "it): not written")


def _append(path: Path, text: str, name: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"{name} {path}: cannot write: {exc.strerror or exc}") from exc
