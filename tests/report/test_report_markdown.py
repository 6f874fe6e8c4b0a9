"""The markdown reporter: counts, findings by file with links, status groups, the diff, the size cap."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from validator.change.rendered_diff import DiffLimits, RenderedDiff, rendered_diff
from validator.load import Document, load_bytes
from validator.model import (
    Engine,
    Finding,
    FindingStatus,
    Location,
    Report,
    ResourceRef,
    Severity,
    sort_findings,
)
from validator.report import RenderOptions
from validator.report.markdown import MAX_BYTES, code, escape, render_markdown

from .sample import sample_report

WEB = ResourceRef(api_version="apps/v1", kind="Deployment", namespace="prod", name="web")
LINKS = RenderOptions(link_base="https://github.com/o/r/blob/abc123")


def finding(path: str, line: int, message: str = "missing field", *,
            severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule_id="schema/required", severity=severity, message=message,
                   location=Location(path=path, line=line), engine=Engine.SCHEMA, resource=WEB)


def with_status(item: Finding, status: str) -> Finding:
    return replace(item, status=FindingStatus(status))


def report(findings: Sequence[Finding]) -> Report:
    return Report(findings=sort_findings(findings), resources=3, files=2)


def fences_balanced(text: str) -> bool:
    """Every opening fence has a closing fence of the same length, and no fence is left open."""
    open_fence = ""
    for line in text.splitlines():
        match = re.match(r"^(`{3,})", line)
        if not match:
            continue
        if not open_fence:
            open_fence = match.group(1)
        elif line == open_fence:
            open_fence = ""
    return open_fence == ""


def test_check_mode_lists_findings_by_file_with_links() -> None:
    text = render_markdown(report([finding("apps/b.yaml", 4), finding("apps/a b.yaml", 12)]), LINKS)
    assert text.startswith("## gitops-validator: 2 findings (2 errors)\n")
    assert text.index("#### `apps/a b.yaml`") < text.index("#### `apps/b.yaml`")
    assert "[line 12](https://github.com/o/r/blob/abc123/apps/a%20b.yaml#L12)" in text
    assert "[line 4](https://github.com/o/r/blob/abc123/apps/b.yaml#L4)" in text
    assert "new" not in text.lower().split("\n", 1)[0]


def test_without_link_base_there_are_no_links() -> None:
    text = render_markdown(report([finding("a.yaml", 3)]), RenderOptions())
    assert "line 3:" in text
    assert "](" not in text


def test_no_findings_says_so() -> None:
    text = render_markdown(report([]), RenderOptions())
    assert text.startswith("## gitops-validator: 0 findings\n")


def test_statuses_group_new_existing_and_count_fixed() -> None:
    findings = [with_status(finding("a.yaml", 1, "first"), "new"),
                with_status(finding("a.yaml", 2, "second", severity=Severity.WARNING), "new"),
                with_status(finding("b.yaml", 5, "old one"), "existing"),
                with_status(finding("c.yaml", 9, "resolved-problem"), "fixed")]
    text = render_markdown(report(findings), LINKS)
    assert text.startswith("## gitops-validator: 2 new findings (1 error, 1 warning)\n")
    assert "| 2 | 1 | 1 |" in text
    new, existing = text.index("### New findings"), text.index("<details><summary>1 existing finding")
    assert new < text.index("first") < existing < text.index("old one")
    assert "resolved-problem" not in text  # fixed findings are counted, not listed
    assert "**1 fixed finding**" in text


def test_untrusted_text_cannot_ping_link_or_open_tags() -> None:
    hostile = "@octocat <img src=x onerror=alert(1)> [click](https://evil) </details> `x` # h"
    text = render_markdown(report([finding("a`b.yaml", 1, hostile)]), RenderOptions())
    assert "@octocat" not in text
    assert "<img" not in text
    assert "[click](" not in text
    assert "</details>" not in text
    assert "`` a`b.yaml ``" not in text  # the path: a code span whose delimiter is longer
    assert "``a`b.yaml``" in text
    assert code("``x") == "``` ``x ```"
    assert escape("- a\nb") == "\\- a\\\\nb"


def diff_of(base: str, head: str, limits: DiffLimits | None = None) -> RenderedDiff:
    def docs(text: str) -> list[Document]:
        return list(load_bytes(text.encode(), display_path="x.yaml").documents)
    return rendered_diff(docs(base), docs(head), limits=limits)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {value}\n---\n"


def test_rendered_diff_is_collapsed_in_fenced_blocks() -> None:
    diff = diff_of(CM.format(name="a", value="one"), CM.format(name="a", value="two"))
    text = render_markdown(report([]), RenderOptions(), diff=diff)
    assert "<details><summary>Rendered diff: 1 object changed (0 added, 0 deleted, 1 modified), " \
           "0 unchanged</summary>\n\n**modified ConfigMap a**\n\n```diff\n" in text
    assert "-  k: one\n+  k: two\n" in text
    assert "   name: a\n```\n\n</details>" in text
    assert text.rstrip().endswith("</details>")
    assert fences_balanced(text)


def test_a_manifest_with_backtick_fences_cannot_close_the_code_block() -> None:
    diff = diff_of("", CM.format(name="a", value="'```\\n</details>\\n@octocat'"))
    text = render_markdown(report([]), RenderOptions(), diff=diff)
    assert "````diff\n" in text
    assert fences_balanced(text)


def test_body_stays_within_the_limit_and_cuts_cleanly() -> None:
    value = "é✓" * 200  # multi-byte characters everywhere
    base = "".join(CM.format(name=f"c{i:03}", value=f"old-{value}") for i in range(400))
    head = "".join(CM.format(name=f"c{i:03}", value=f"new-{value}") for i in range(400))
    diff = diff_of(base, head, DiffLimits(total_bytes=10_000_000))
    findings = [with_status(finding(f"apps/f{i:04}.yaml", i, f"problem {value}"), "new")
                for i in range(300)]
    text = render_markdown(report(findings), LINKS, diff=diff)
    size = len(text.encode())
    assert MAX_BYTES - 5_000 < size <= MAX_BYTES
    text.encode().decode("utf-8")  # whole characters only
    assert fences_balanced(text)
    assert re.search(r"_\.\.\. \d+ more findings not shown", text)
    assert re.search(r"_\.\.\. \d+ more changed objects not shown", text)
    assert text.rstrip().endswith("</details>")


def test_a_small_limit_cuts_a_diff_block_at_a_line_boundary() -> None:
    many = "".join(f"  k{i:03}: value-{i}\n" for i in range(150))
    diff = diff_of("", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n{many}")
    text = render_markdown(report([]), RenderOptions(), diff=diff, max_bytes=3_000)
    assert len(text.encode()) <= 3_000
    assert fences_balanced(text)
    cut = re.search(r"\.\.\. (\d+) more diff lines of this object not shown\n```\n", text)
    assert cut is not None
    assert int(cut.group(1)) > 0


def test_sample_report_renders_every_severity() -> None:
    text = render_markdown(sample_report(), RenderOptions())
    for label in ("**error**", "**warning**", "**info**"):
        assert label in text
    assert "\\x1b" in text  # control characters shown, never emitted


def test_a_file_with_more_findings_than_fit_shows_as_many_as_fit() -> None:
    findings = [finding("apps/one.yaml", i, f"problem number {i}") for i in range(1, 400)]
    text = render_markdown(report(findings), RenderOptions(), max_bytes=6_000)
    assert len(text.encode()) <= 6_000
    assert "#### `apps/one.yaml`" in text
    shown = text.count("- **error**")
    assert 20 < shown < 399
    assert f"_... {399 - shown} more findings not shown" in text


def test_compared_summary_does_not_count_fixed_findings_as_errors() -> None:
    findings = [with_status(finding("a.yaml", 1, "gone"), "fixed")]
    text = render_markdown(report(findings), RenderOptions())
    assert text.startswith("## gitops-validator: 0 new findings\n\n3 resources in 2 files\n")
    assert "1 error" not in text


def test_bidirectional_controls_are_shown_not_applied() -> None:
    trojan = "image: nginx\u202e:latest\u2066"
    diff = diff_of("", CM.format(name="a", value=f"'{trojan}'"))
    text = render_markdown(report([finding("a.yaml", 1, trojan)]), RenderOptions(), diff=diff)
    assert "\u202e" not in text
    assert "\u2066" not in text
    assert text.count("\\u202e") == 2
