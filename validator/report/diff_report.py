"""A compared change (:class:`~validator.service.DiffReport`) in every output format.

The compared report goes through the usual reporters (new / existing / fixed are
already on its findings); what only a change has is added per format:

- text: the defaults the trusted revision lacked, the head's policy tests in their own
  section, and the rendered diff with ``show_diff``;
- json: ``change`` (the revisions and the trusted commit), ``targets`` (each rendered
  target, its side and the changed files that made it affected), ``rendered_diff``,
  ``policy_tests`` and ``defaults`` beside the usual keys;
- markdown: the rendered diff in its collapsible section;
- sarif, junit, github: the compared report as it is (``baselineState`` in SARIF).
"""

from __future__ import annotations

import json
from typing import Any

from validator.change.affected import Side
from validator.change.rendered_diff import diff_json
from validator.repo_config import CONFIG_FILE
from validator.report import OutputFormat, RenderOptions, render_report
from validator.report.common import plural
from validator.report.json_report import report_json
from validator.report.markdown import render_markdown
from validator.service import DiffReport


def render_diff_report(result: DiffReport, fmt: OutputFormat, options: RenderOptions, *,
                       show_diff: bool = False) -> str:
    """``result`` in ``fmt`` (``show_diff``: the rendered diff in the text form too)."""
    match fmt:
        case OutputFormat.TEXT:
            return _text(result, options, show_diff=show_diff)
        case OutputFormat.JSON:
            return json.dumps(diff_report_json(result, options), indent=2, ensure_ascii=False) + "\n"
        case OutputFormat.MARKDOWN:
            return render_markdown(result.report, options, diff=result.diff)
        case OutputFormat.SARIF | OutputFormat.JUNIT | OutputFormat.GITHUB | OutputFormat.CODEQUALITY:
            return render_report(result.report, fmt, options)


def diff_report_json(result: DiffReport, options: RenderOptions) -> dict[str, Any]:
    """The JSON document of a compared change (docs/output-json.md, "diff")."""
    document = report_json(result.report, options)
    document["change"] = {
        "base": result.revisions.base, "base_ref": result.revisions.base_ref,
        "head": result.revisions.head, "trusted": result.trusted, "full_check": result.full,
        "files": [{"path": f.path, "status": f.status.value, "old_path": f.old_path}
                  for f in result.change.files],
        "root": result.root, "outside": list(result.change.outside),
    }
    document["targets"] = [{"name": t.name, "side": t.side.value, "changed_files": list(t.causes),
                            "changes": [{"path": f.path, "status": f.status.value,
                                         "old_path": f.old_path or None} for f in t.changes]}
                           for t in result.rendered]
    document["rendered_diff"] = diff_json(result.diff)
    document["policy_tests"] = (None if result.policy_tests is None else
                                report_json(result.policy_tests, options)["findings"])
    document["defaults"] = list(result.defaults)
    return document


def _text(result: DiffReport, options: RenderOptions, *, show_diff: bool) -> str:
    parts = [render_report(result.report, OutputFormat.TEXT, options).rstrip("\n")]
    heads = sum(1 for t in result.rendered if t.side is Side.HEAD)
    bases = len(result.rendered) - heads
    scope = "every target (a trusted path changed)" if result.full else "the affected targets"
    parts.append(f"Compared {result.revisions.base[:12]} ({result.revisions.base_ref}) with "
                 f"{result.revisions.head[:12]}: {plural(len(result.change.files), 'changed file')}, "
                 f"{scope}: {heads} rendered on the head, {bases} on the base; policies, schemas "
                 f"and configuration from {result.trusted[:12]}.")
    if result.root:
        parts.append(f"Validated root: {result.root}/ (its {CONFIG_FILE}); "
                     f"{plural(len(result.change.outside), 'changed file')} outside it, ignored.")
    parts += [f"Note: {note}." for note in result.defaults]
    if result.policy_tests is not None:
        tests = render_report(result.policy_tests, OutputFormat.TEXT, options).rstrip("\n")
        parts.append("Policy tests of the head (the change touches policy files):\n" + tests)
    if show_diff:
        parts.append(result.diff.text().rstrip("\n") or "Rendered diff: no object changed.")
    return "\n\n".join(part for part in parts if part) + "\n"
