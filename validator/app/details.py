"""The details page of one evaluation (the check run's ``details_url``): server-rendered HTML5.

What a reviewer needs beyond the check run's summary: every finding by file with the source
lines around it, new / existing / fixed, the rendered diff in full, and which tool and policy
versions decided. Everything shown came from the repository under review (messages quote
manifest values, paths are the author's), so every value is HTML-escaped; the page has no
JavaScript, only one inline stylesheet that the ``Content-Security-Policy`` allows by its hash
(no script, no other source of any kind), and reads in order without CSS (marks, headings,
``+``/``-`` prefixes). A page of an evaluation still queued or running reloads itself with a
``<meta http-equiv="refresh">``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from typing import assert_never
from urllib.parse import urlsplit

import flask

from validator.app.details_link import signature_matches
from validator.app.evaluation import LISTED_PER_STATUS, Evaluation, EvaluationState, StoredFinding
from validator.app.jobs import BackendUnavailable, EvaluationStore
from validator.app.model import Platform
from validator.report.common import plural
from validator.report.markdown import STATUSES, visible

__all__ = ["CONTENT_SECURITY_POLICY", "MAX_LISTED", "details_blueprint", "not_found_page", "render_page"]

#: An evaluation id as :attr:`validator.app.model.JobSpec.evaluation_id` makes them.
_ID = re.compile(r"[0-9a-f]{8,64}")
#: Most findings listed per section (new, existing, fixed): see ``LISTED_PER_STATUS``.
MAX_LISTED = LISTED_PER_STATUS
#: Seconds between reloads of a page whose evaluation is not finished.
_REFRESH_SECONDS = 15

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1f2328}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:1.6rem}
h3{font-size:1rem;font-family:ui-monospace,monospace;background:#f6f8fa;padding:.3rem .5rem;
border:1px solid #d0d7de}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem;margin:.5rem 0}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
.state{padding:.5rem .8rem;border-radius:6px;border:1px solid #d0d7de;background:#f6f8fa}
.state.failure,.state.failed{background:#ffebe9;border-color:#ff8182}
.state.success{background:#dafbe1;border-color:#4ac26b}
.state.cancelled{background:#fff8c5;border-color:#d4a72c}
table{border-collapse:collapse}
td,th{border:1px solid #d0d7de;padding:.2rem .7rem;text-align:left}
td.n{text-align:right}
ul.findings{list-style:none;padding:0;margin:.4rem 0}
ul.findings li{margin:.2rem 0}
.badge{font-size:.75rem;font-weight:600;border-radius:1em;padding:0 .5em;border:1px solid}
.error{color:#cf222e}
.warning{color:#9a6700}
.info{color:#0969da}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.5rem;overflow-x:auto;
font:13px/1.4 ui-monospace,monospace}
pre.source mark{display:block;background:#fff8c5;color:inherit;font-weight:600}
.num{display:inline-block;min-width:3.5em;color:#6e7781;user-select:none}
pre.diff span{display:block}
pre.diff .add{background:#e6ffec}
pre.diff .del{background:#ffebe9}
pre.diff .hunk{color:#8250df}
pre.diff .file{color:#57606a}
pre.diff .title{font-weight:700;margin-top:.6rem}
summary{cursor:pointer}
summary h2{display:inline-block;border:0;margin:1.6rem 0 .4rem}
footer{margin-top:2rem;color:#57606a}
"""

#: No script, no frame, no form, no plugin, nothing fetched: only this page's own stylesheet.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
    "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def render_page(evaluation: Evaluation) -> str:
    """The evaluation's page (a complete HTML5 document)."""
    words = _words(evaluation)
    pull = f" {words.number}" if evaluation.pull_number is not None else ""
    title = f"gitops-validator: {evaluation.repository}{pull} at {evaluation.head_sha[:12]}"
    refresh = evaluation.state in {EvaluationState.QUEUED, EvaluationState.RUNNING}
    parts = [_head(title, refresh=refresh), f"<h1>{escape(title)}</h1>", _meta(evaluation),
             _state(evaluation)]
    if evaluation.state is EvaluationState.COMPLETED:
        parts.extend(_findings(evaluation.findings))
    if evaluation.rendered_diff:
        parts.append(_diff(evaluation.rendered_diff))
    parts.append(_versions(evaluation))
    parts.append(_footer(evaluation))
    return "\n".join(parts) + "\n</body>\n</html>\n"


def not_found_page() -> str:
    """The page of an id that names no evaluation (expired, or never made)."""
    return (_head("gitops-validator: no such evaluation", refresh=False)
            + "\n<h1>No evaluation here</h1>\n<p>No evaluation has this id: it may have been "
            "removed after the retention period. Re-run the check to evaluate the head again.</p>"
            "\n</body>\n</html>\n")


def details_blueprint(store: EvaluationStore, key: bytes) -> flask.Blueprint:
    """``GET /evaluations/<id>/<signature>`` (:mod:`validator.app.details_link`): the page, a
    404 page (unknown id, or a signature not made with ``key``), or 503 when the store is
    unreachable."""
    blueprint = flask.Blueprint("details", __name__)

    @blueprint.get("/evaluations/<evaluation_id>/<signature>")
    def evaluation_page(evaluation_id: str, signature: str) -> flask.Response:
        if not _ID.fullmatch(evaluation_id) or not signature_matches(evaluation_id, signature, key):
            return _answer(not_found_page(), 404)
        try:
            evaluation = store.get(evaluation_id)
        except BackendUnavailable:
            return _answer(_unavailable_page(), 503)
        if evaluation is None:
            return _answer(not_found_page(), 404)
        return _answer(render_page(evaluation), 200)

    return blueprint


def _answer(page: str, status: int) -> flask.Response:
    response = flask.Response(page, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"  # findings of a private repository
    return response


def _unavailable_page() -> str:
    return (_head("gitops-validator: unavailable", refresh=True)
            + "\n<h1>Evaluations unavailable</h1>\n<p>The evaluation store cannot be reached "
            "right now; this page reloads by itself.</p>\n</body>\n</html>\n")


def _head(title: str, *, refresh: bool) -> str:
    reload = f'<meta http-equiv="refresh" content="{_REFRESH_SECONDS}">\n' if refresh else ""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="referrer" content="no-referrer">\n'
            f"{reload}<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>")


def _link(url: str, text: str) -> str:
    """A link when ``url`` is http(s); the text alone otherwise (never a ``javascript:`` href)."""
    if urlsplit(url).scheme not in {"https", "http"}:
        return escape(text)
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def _meta(evaluation: Evaluation) -> str:
    words = _words(evaluation)
    rows = [("Repository" if evaluation.platform is Platform.GITHUB else "Project",
             escape(evaluation.repository))]
    if evaluation.pull_number is not None:
        rows.append((words.request.capitalize(), _link(evaluation.pull_url, words.number)
                     if evaluation.pull_url else escape(words.number)))
    rows.append(("Head", f'<code title="{escape(evaluation.head_sha)}">'
                         f"{escape(evaluation.head_sha[:12])}</code>"))
    if evaluation.base_sha:
        rows.append(("Base", f'<code title="{escape(evaluation.base_sha)}">'
                             f"{escape(evaluation.base_sha[:12])}</code>"))
    if evaluation.event:
        rows.append(("Event", escape(evaluation.event)))
    rows.append(("State", escape(evaluation.state.value)
                 + (f" ({escape(evaluation.conclusion)})" if evaluation.conclusion else "")))
    rows.append(("Created", escape(evaluation.created_at)))
    if evaluation.finished_at:
        rows.append(("Finished", escape(evaluation.finished_at)))
    return ('<dl class="meta">\n' + "\n".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
            + "\n</dl>")


def _state(evaluation: Evaluation) -> str:
    """One paragraph saying where the evaluation is, in words of its own per state."""
    classes = evaluation.state.value
    words = _words(evaluation)
    match evaluation.state:
        case EvaluationState.QUEUED:
            text = "Queued: waiting for a worker. This page shows the findings once the evaluation completes."
        case EvaluationState.RUNNING:
            text = "Running: the validator is rendering and checking this head. This page reloads by itself."
        case EvaluationState.CANCELLED:
            text = (f"Cancelled: a newer push to this {words.request} superseded this head before it "
                    f"was evaluated. The newest commit has its own {words.status}.")
        case EvaluationState.FAILED:
            text = ("Failed: the validator could not evaluate this head"
                    + (f": {evaluation.error}" if evaluation.error else "."))
        case EvaluationState.COMPLETED:
            blocking = evaluation.conclusion == "failure"
            classes += f" {escape(evaluation.conclusion)}"
            text = (f"Completed: findings block this {words.request}." if blocking
                    else f"Completed: nothing blocks this {words.request}.")
            if evaluation.title:
                text += f" {evaluation.title}"
        case _:
            assert_never(evaluation.state)
    return f'<p class="state {classes}">{escape(text)}</p>'


def _findings(findings: Sequence[StoredFinding]) -> Iterator[str]:
    by_status = {status: [f for f in findings if f.status == status] for status in STATUSES}
    yield ('<h2 id="findings">Findings</h2>\n<table class="counts">\n<tr>'
           + "".join(f"<th>{status}</th>" for status in STATUSES) + "</tr>\n<tr>"
           + "".join(f'<td class="n">{len(by_status[s])}</td>' for s in STATUSES) + "</tr>\n</table>")
    if not findings:
        yield "<p>No findings on this head.</p>"
        return
    if by_status["new"]:
        yield ('<h2 id="new">New findings</h2>\n'
               "<p>Found on the head, not on the base: this change brought them.</p>")
        yield from _listed(by_status["new"], "new")
    if by_status["existing"]:
        count = plural(len(by_status["existing"]), "existing finding")
        yield (f'<details id="existing">\n<summary><h2>{count}</h2></summary>\n'
               "<p>Found on the base and on the head: not brought by this change.</p>")
        yield from _listed(by_status["existing"], "existing")
        yield "</details>"
    if by_status["fixed"]:
        yield ('<h2 id="fixed">Fixed findings</h2>\n<p>Found on the base, gone on the head '
               "(paths and lines are the base's).</p>")
        yield from _listed(by_status["fixed"], "fixed")


def _listed(findings: Sequence[StoredFinding], status: str) -> Iterator[str]:
    """The findings of one section by file, at most :data:`MAX_LISTED` of them."""
    yield from _by_file(findings[:MAX_LISTED])
    if len(findings) > MAX_LISTED:
        more = plural(len(findings) - MAX_LISTED, f"more {status} finding")
        yield f"<p><em>... {more} not shown (at most {MAX_LISTED} are listed per section).</em></p>"


def _by_file(findings: Iterable[StoredFinding]) -> Iterator[str]:
    """Per file a heading; then each run of nearby lines: its findings line by line, then one
    block of source around them all, every finding's line marked (findings a few lines apart
    would otherwise repeat the same source block)."""
    for path, in_file in itertools.groupby(findings, key=lambda f: f.path):
        yield f"<h3>{escape(visible(path))}</h3>"
        for nearby in _nearby(in_file):
            yield '<section class="at-lines">'
            for line, at_line in itertools.groupby(nearby, key=lambda f: f.line):
                where = f"line {line}" if line is not None else "whole file"
                yield (f'<p><strong>{where}</strong></p>\n<ul class="findings">\n'
                       + "\n".join(_finding(f) for f in at_line) + "\n</ul>")
            source = {c.number: c.text for f in nearby for c in f.context}
            if source:
                marked = {f.line for f in nearby}
                yield '<pre class="source">' + "".join(
                    _source_line(n, source[n], hit=n in marked) for n in sorted(source)) + "</pre>"
            yield "</section>"


def _nearby(findings: Iterable[StoredFinding]) -> Iterator[list[StoredFinding]]:
    """Runs of findings (in line order) whose source lines overlap or touch; a finding without
    source lines (fixed, unreadable file) is a run of its own unless it shares a line."""
    run: list[StoredFinding] = []
    last = -1
    for finding in findings:
        numbers = [c.number for c in finding.context]
        joins = run and ((numbers and numbers[0] <= last + 1) or finding.line == run[-1].line)
        if run and not joins:
            yield run
            run, last = [], -1
        run.append(finding)
        last = max(last, *numbers) if numbers else last
    if run:
        yield run


def _finding(finding: StoredFinding) -> str:
    where = [f"in {escape(finding.resource)}"] if finding.resource else []
    if finding.field:
        where.append(f"at <code>{escape(finding.field)}</code>")
    tail = f" ({' '.join(where)})" if where else ""
    severity = escape(finding.severity)
    return (f'<li class="finding {escape(finding.status)}"><span class="badge {severity}">{severity}</span> '
            f"<code>{escape(finding.rule)}</code>: {escape(visible(finding.message))}{tail}</li>")


def _source_line(number: int, text: str, *, hit: bool) -> str:
    body = f'<span class="num">{number}</span> {escape(visible(text))}\n'
    return f'<mark id="line-{number}">{body}</mark>' if hit else body


def _diff(text: str) -> str:
    # the line break inside each span: the lines stay lines without the stylesheet
    lines = "".join(f'<span class="{_diff_class(line)}">{escape(line)}\n</span>'
                    for line in text.splitlines())
    return f'<h2 id="diff">Rendered diff</h2>\n<pre class="diff">{lines}</pre>'


def _diff_class(line: str) -> str:
    if line.startswith("# "):
        return "title"
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "del"
    return "ctx"


def _versions(evaluation: Evaluation) -> str:
    if not evaluation.versions:
        return ""
    rows = "\n".join(f"<tr><th>{escape(name)}</th><td><code>{escape(value)}</code></td></tr>"
                     for name, value in sorted(evaluation.versions.items()))
    return ('<h2 id="versions">Versions</h2>\n<p>The tools that ran and the trusted commit the '
            f"policies came from (<code>policies</code>).</p>\n<table>\n{rows}\n</table>")


def _footer(evaluation: Evaluation) -> str:
    words = _words(evaluation)
    links = [_link(evaluation.check_run_url, "The check run on GitHub")] if evaluation.check_run_url else []
    if evaluation.pull_url:
        links.append(_link(evaluation.pull_url, f"The {words.request}"))
    listed = " · ".join(links)
    return f"<footer>\n<p>{listed}</p>\n<p>Evaluation <code>{escape(evaluation.id)}</code></p>\n</footer>"


@dataclass(frozen=True)
class _Words:
    """How a platform names the change and its verdict: ``pull request #7`` and its check run on
    GitHub, ``merge request !7`` and its commit status on GitLab."""

    request: str
    number: str
    status: str


def _words(evaluation: Evaluation) -> _Words:
    if evaluation.platform is Platform.GITLAB:
        return _Words("merge request", f"!{evaluation.pull_number}", "commit status")
    return _Words("pull request", f"#{evaluation.pull_number}", "check run")
