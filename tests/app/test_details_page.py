"""The details page as HTML: every state's wording, escaping, the blueprint's 404 and headers."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import flask
import pytest

from validator.app.details import MAX_LISTED, details_blueprint, render_page
from validator.app.evaluation import Evaluation, EvaluationState, SourceLine, StoredFinding
from validator.app.evaluations_sqlite import SqliteEvaluations

HOSTILE = '<script>alert(1)</script>"\'&'


def _evaluation(**changes: object) -> Evaluation:
    base = Evaluation(
        id="0123456789abcdef0123", repository="octo-org/gitops", head_sha="b" * 40,
        base_sha="a" * 40, pull_number=7, event="pull_request.opened",
        state=EvaluationState.COMPLETED, created_at="2026-11-20T10:00:00+00:00",
        finished_at="2026-11-20T10:00:03+00:00", conclusion="failure", title="1 new finding",
        rendered_diff="# modified Deployment shop/web\n--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n ctx\n",
        versions={"opa": "1.2.3", "policies": "a" * 40},
        check_run_url="https://github.com/octo-org/gitops/runs/42",
        pull_url="https://github.com/octo-org/gitops/pull/7",
        findings=(
            StoredFinding(status="new", severity="error", rule="K8S-001", message=HOSTILE,
                          path="apps/a.yaml", line=3, resource="Deployment/shop/web",
                          field="spec.template", context=(SourceLine(number=2, text="a: 1"),
                                                          SourceLine(number=3, text=HOSTILE),
                                                          SourceLine(number=4, text="c: 3"))),
            StoredFinding(status="fixed", severity="warning", rule="K8S-002", message="was bad",
                          path="apps/b.yaml", line=9)))
    return replace(base, **changes)  # type: ignore[arg-type]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def _parsed(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def test_a_completed_page_shows_everything_and_runs_nothing() -> None:
    page = render_page(_evaluation())
    assert page.startswith("<!DOCTYPE html>")
    tags = _parsed(page)
    assert "script" not in tags.tags
    assert not any(name.startswith("on") for name, _ in tags.attrs)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for text in ("octo-org/gitops", "bbbbbbbbbbbb", "apps/a.yaml", "apps/b.yaml", "K8S-001",
                 "Deployment/shop/web", "spec.template", "opa", "1.2.3",
                 'href="https://github.com/octo-org/gitops/pull/7"',
                 'href="https://github.com/octo-org/gitops/runs/42"', "was bad"):
        assert text in page, text
    marked = re.findall(r'<mark[^>]*><span class="num">(\d+)</span>', page)
    assert marked == ["3"], "the finding's line (and only it) is highlighted"
    assert '<span class="add">+new\n</span>' in page
    assert '<span class="del">-old\n</span>' in page


@pytest.mark.parametrize(("state", "words"), [
    (EvaluationState.QUEUED, "Queued"), (EvaluationState.RUNNING, "Running"),
    (EvaluationState.CANCELLED, "superseded"), (EvaluationState.FAILED, "could not evaluate")])
def test_each_state_has_its_own_wording(state: EvaluationState, words: str) -> None:
    page = render_page(_evaluation(state=state, findings=(), rendered_diff="", conclusion="",
                                   error="git fetch timed out <after 300 s>"))
    assert words in page
    if state is EvaluationState.FAILED:
        assert "git fetch timed out &lt;after 300 s&gt;" in page
    assert "No findings" not in page  # an unfinished evaluation has not found nothing


def test_a_link_that_is_not_http_is_not_a_link() -> None:
    page = render_page(_evaluation(check_run_url="javascript:alert(1)", pull_url="data:x"))
    assert "javascript:" not in page
    assert 'href="data:' not in page


def _client(tmp_path: Path) -> flask.testing.FlaskClient:
    store = SqliteEvaluations(tmp_path / "e.sqlite3")
    store.save(_evaluation())
    app = flask.Flask(__name__)
    app.register_blueprint(details_blueprint(store))
    return app.test_client()


def test_the_blueprint_serves_a_page_with_a_policy_that_forbids_scripts(tmp_path: Path) -> None:
    answer = _client(tmp_path).get("/evaluations/0123456789abcdef0123")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy
    assert "default-src 'none'" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "K8S-001" in answer.get_data(as_text=True)


@pytest.mark.parametrize("evaluation_id", ["ffffffffffffffffffff", "not-an-id", "%3Cscript%3E",
                                           "0123456789ABCDEF0123"])
def test_an_unknown_or_malformed_id_is_a_404_page(tmp_path: Path, evaluation_id: str) -> None:
    answer = _client(tmp_path).get(f"/evaluations/{evaluation_id}")
    assert answer.status_code == 404
    assert "Content-Security-Policy" in answer.headers
    body = answer.get_data(as_text=True)
    assert "<script" not in body
    assert "No evaluation" in body


def test_findings_on_nearby_lines_share_one_source_block_with_each_line_marked() -> None:
    def at(line: int, rule: str) -> StoredFinding:
        numbers = range(max(1, line - 3), line + 4)
        context = tuple(SourceLine(number=n, text=f"line {n} text") for n in numbers)
        return StoredFinding(status="new", severity="error", rule=rule, message=f"m{line}",
                             path="apps/a.yaml", line=line, context=context)

    page = render_page(_evaluation(findings=(at(3, "R1"), at(5, "R2"), at(5, "R3"), at(20, "R4"))))
    blocks = re.findall(r'<pre class="source">(.*?)</pre>', page, flags=re.S)
    assert len(blocks) == 2
    numbers = [re.findall(r'<span class="num">(\d+)</span>', block) for block in blocks]
    assert numbers == [[str(n) for n in range(1, 9)], [str(n) for n in range(17, 24)]]
    assert [re.findall(r'<mark[^>]*><span class="num">(\d+)</span>', b) for b in blocks] == [
        ["3", "5"], ["20"]]
    assert page.index("R3") < page.index(blocks[0]) < page.index("R4")


def test_without_css_the_diff_and_source_keep_their_lines() -> None:
    evaluation = _evaluation()
    page = render_page(evaluation)
    diff = re.search(r'<pre class="diff">(.*?)</pre>', page, flags=re.S)
    source = re.search(r'<pre class="source">(.*?)</pre>', page, flags=re.S)
    assert diff is not None
    assert source is not None
    assert html.unescape(re.sub(r"<[^>]+>", "", diff.group(1))) == evaluation.rendered_diff
    assert html.unescape(re.sub(r"<[^>]+>", "", source.group(1))).splitlines() == [
        f"{c.number} {c.text}" for c in evaluation.findings[0].context]


def test_a_section_lists_at_most_its_cap_and_says_how_many_more() -> None:
    many = tuple(StoredFinding(status="existing", severity="warning", rule="R", message=f"m{n}",
                               path=f"apps/{n:05}.yaml", line=1) for n in range(MAX_LISTED + 7))
    page = render_page(_evaluation(findings=many))
    assert page.count('<li class="finding existing">') == MAX_LISTED
    assert "7 more existing findings not shown" in page
    assert f'<td class="n">{MAX_LISTED + 7}</td>' in page  # the count is the whole count
