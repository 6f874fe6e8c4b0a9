"""What a job's run becomes on its details page: an :class:`~validator.app.evaluation.Evaluation`
built from the :class:`~validator.scm.outcome.Outcome` the publisher receives.

Findings keep the words every reporter uses (the report's messages, severity labels, field
paths and statuses, see :mod:`validator.report.markdown`); this module only adds what a page
can show and a check-run summary cannot: a few lines of the head's source around each new or
existing finding (fixed ones are on the base: no head lines to show). Lines of a ``Secret``
document are never shown (the rendered diff redacts Secret values; the source must not undo
that): they are left out of every window, and a finding on one shows no source.

What is stored is bounded whatever the pull request contains: a source line longer than
:data:`MAX_LINE_CHARS` is cut (a one-line JSON file of thousands of objects would otherwise
be stored once per finding on it), and only the findings a page lists
(:data:`~validator.app.evaluation.LISTED_PER_STATUS` per status) keep source lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from validator import __version__
from validator.app.evaluation import (
    LISTED_PER_STATUS,
    Evaluation,
    EvaluationState,
    SourceLine,
    StoredFinding,
)
from validator.app.model import JobSpec, Platform
from validator.model import Finding, Report, ResourceRef
from validator.report.markdown import finding_status
from validator.scm.outcome import Outcome

__all__ = ["CONTEXT_LINES", "MAX_LINE_CHARS", "evaluation_of", "started_evaluation", "versions_of"]

#: Source lines shown on either side of a finding's line.
CONTEXT_LINES = 3
#: Longest source line kept, in characters; a longer one ends in :data:`_CUT`.
MAX_LINE_CHARS = 500
_CUT = " [...]"

_SEPARATOR = re.compile(r"^---(\s|$)")
_SECRET_KIND = re.compile(r"""^kind:\s*["']?Secret["']?\s*(#.*)?$""")


def started_evaluation(job: JobSpec, created_at: str, *, base_sha: str = "") -> Evaluation:
    """The evaluation of ``job`` while it runs (saved before the work, so the check run's
    details link never leads to a 404); ``base_sha``: the base the worker resolved when the
    job had none (a ``commit`` job)."""
    return _evaluation(job, state=EvaluationState.RUNNING, created_at=created_at,
                       base_sha=base_sha or job.base_sha)


def evaluation_of(job: JobSpec, outcome: Outcome, *, state: EvaluationState, conclusion: str,
                  rendered_diff: str, versions: Mapping[str, str], created_at: str,
                  check_run_url: str = "", finished_at: str = "", title: str = "",
                  base_sha: str = "") -> Evaluation:
    """The evaluation of ``job`` once ``outcome`` is known: head findings (new / existing)
    with their source lines and the base's fixed ones, all by file then line (``base_sha``:
    as for :func:`started_evaluation`)."""
    findings = sorted((*outcome.report.findings, *outcome.report.fixed), key=Finding.sort_key)
    started = _evaluation(job, state=state, created_at=created_at, base_sha=base_sha or job.base_sha)
    source, listed = _HeadSource(outcome), Counter[str]()
    stored = []
    for finding in findings:  # in the page's order: its first listed of each status show source
        status = finding_status(finding)
        listed[status] += 1
        stored.append(_stored(finding, status, source if listed[status] <= LISTED_PER_STATUS else None))
    return replace(started, finished_at=finished_at, conclusion=conclusion, title=title,
                   error=outcome.error, rendered_diff=rendered_diff, versions=dict(versions),
                   check_run_url=check_run_url, findings=tuple(stored))


def versions_of(report: Report, *, trusted: str) -> dict[str, str]:
    """The versions a page shows: the run's tools, this validator, and ``policies``: the
    trusted commit the policies and configuration came from."""
    return {**dict(report.tool_versions), "gitops-validator": __version__, "policies": trusted}


def _evaluation(job: JobSpec, *, state: EvaluationState, created_at: str, base_sha: str) -> Evaluation:
    return Evaluation(id=job.evaluation_id, repository=job.repository, head_sha=job.head_sha,
                      base_sha=base_sha, pull_number=job.pull_number, event=job.event, state=state,
                      created_at=created_at, pull_url=_pull_url(job), platform=job.platform)


class _HeadSource:
    """The head's lines of each file, with the numbers of its Secret documents' lines."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.files: dict[str, tuple[Sequence[str], frozenset[int]] | None] = {}

    def file(self, path: str) -> tuple[Sequence[str], frozenset[int]] | None:
        if path not in self.files:
            lines = self.outcome.head_lines(path)
            self.files[path] = None if lines is None else (lines, _secret_lines(lines))
        return self.files[path]


def _stored(finding: Finding, status: str, source: _HeadSource | None) -> StoredFinding:
    """``finding`` as stored; ``source`` None: without source lines (not listed on the page)."""
    location = finding.location
    line = location.line if location.line > 0 else None
    context = (() if status == "fixed" or line is None or source is None
               else _context(source.file(location.path), line))
    return StoredFinding(status=status, severity=finding.severity.label, rule=finding.rule_id,
                         message=finding.message, path=location.path, line=line,
                         resource=_resource(finding.resource), field=location.field, context=context)


def _context(file: tuple[Sequence[str], frozenset[int]] | None, line: int) -> tuple[SourceLine, ...]:
    """Lines ``line - 3`` to ``line + 3`` of the file but those of Secret documents (none when
    the file cannot be read, ``line`` is in a Secret, or the file is shorter than ``line``: a
    stale line number shows no misleading source)."""
    if file is None:
        return ()
    lines, secret = file
    if line > len(lines) or line in secret:
        return ()
    first, last = max(1, line - CONTEXT_LINES), min(len(lines), line + CONTEXT_LINES)
    return tuple(SourceLine(number=n, text=_cut(lines[n - 1])) for n in range(first, last + 1)
                 if n not in secret)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + _CUT


def _secret_lines(lines: Sequence[str]) -> frozenset[int]:
    """The 1-based numbers of the lines of YAML documents whose top-level ``kind`` is Secret
    (a Helm template's too: its literal values are as secret)."""
    if not any("Secret" in text for text in lines):
        return frozenset()
    secret: set[int] = set()
    document: list[int] = []
    is_secret = False
    for number, text in enumerate(lines, start=1):
        if _SEPARATOR.match(text):
            secret.update(document if is_secret else ())
            document, is_secret = [], False
            continue
        document.append(number)
        is_secret = is_secret or bool(_SECRET_KIND.match(text))
    secret.update(document if is_secret else ())
    return frozenset(secret)


def _resource(resource: ResourceRef | None) -> str:
    """``Kind/namespace/name`` (``Kind/name`` for a cluster-scoped object)."""
    if resource is None:
        return ""
    parts = (resource.kind or "<no kind>", resource.namespace, resource.name or "<no name>")
    return "/".join(part for part in parts if part)


def _pull_url(job: JobSpec) -> str:
    """The pull request's web page: the clone URL without ``.git``, then ``/pull/N`` (right on
    github.com and on GitHub Enterprise Server alike; GitLab's ``git_http_url`` is the
    project's web URL with ``.git``, its merge request page ``/-/merge_requests/N``); empty when
    there is no pull request or the clone URL is not HTTPS."""
    if job.pull_number is None:
        return ""
    parts = urlsplit(job.clone_url)
    if parts.scheme not in {"https", "http"} or not parts.netloc or parts.query or parts.fragment:
        return ""
    page = "-/merge_requests" if job.platform is Platform.GITLAB else "pull"
    return f"{job.clone_url.removesuffix('.git').rstrip('/')}/{page}/{job.pull_number}"
