"""Which jobs a webhook delivery asks for: pure, no I/O (the gidgethub ``sansio`` idea).

:func:`decide` reads only the fields it needs, checks their shape (SHAs, installation id,
repository), and answers a :class:`Decision`: the jobs and a note saying why (or why not). A
malformed payload is a note with ``malformed`` set, never an exception.

``check_run`` ``rerequested`` / ``requested_action``: GitHub sends these only to the App that
owns the check run, but a delivery is acted on only when ``check_run.app.id`` is this App's
(``GITHUB_APP_ID``) so a misrouted or replayed event of another App never starts work. The check
run's name is not compared: a run made under an earlier ``check_name`` can still be re-run.
The Re-run button is the requested action whose identifier is :data:`RERUN_ACTION`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from validator.app.decisions import (
    Decision,
    Handler,
    MalformedError,
    decide_with,
    field_at,
    list_at,
    obj,
    positive_at,
    sha_at,
    text_at,
)
from validator.app.model import JobKind, JobSpec
from validator.app.settings import AppSettings, Drafts

__all__ = ["EVENTS", "RERUN_ACTION", "Decision", "decide"]

#: The identifier of the check run's "Re-run" button (``actions`` on the check run).
RERUN_ACTION = "rerun"
PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


def decide(event: str, payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    """The jobs ``event`` with ``payload`` asks for under ``settings``."""
    return decide_with(EVENTS, event, payload, settings)


@dataclass(frozen=True)
class _Where:
    """What every job of one delivery shares: installation and repository."""

    installation_id: int
    repository: str
    repository_id: object
    clone_url: str


def _where(payload: Mapping[str, Any]) -> _Where:
    installation = payload.get("installation")
    installation_id = positive_at({"installation": installation if installation is not None else {}},
                                "installation.id")
    repo = obj(payload.get("repository"), "repository")
    name = repo.get("full_name")
    if not isinstance(name, str) or name.count("/") != 1 or not all(name.split("/")):
        raise MalformedError("repository.full_name: expected owner/name")
    clone_url = repo.get("clone_url")
    # http:// as well: GitHub Enterprise Server and the loopback test server may serve plain
    # HTTP; whether a token may travel there is the mirror's decision (validator.app.mirror)
    if not isinstance(clone_url, str) or not clone_url.startswith(("https://", "http://")):
        raise MalformedError("repository.clone_url: expected an http(s):// URL")
    return _Where(installation_id, name, repo.get("id"), clone_url)


def _action(payload: Mapping[str, Any]) -> str:
    return text_at(payload, "action")


# -- the events ---------------------------------------------------------------------------------

def _pull_request(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    action = _action(payload)
    if action not in PULL_REQUEST_ACTIONS:
        return Decision(jobs=(), note=f"pull_request.{action}: not an action the app validates")
    where = _where(payload)
    number = positive_at(payload, "number")
    pull = obj(payload.get("pull_request"), "pull_request")
    if pull.get("draft") is True and settings.drafts is Drafts.SKIP and action != "ready_for_review":
        return Decision(jobs=(), note=f"pull_request.{action}: #{number} is a draft (drafts: skip; "
                                      "it is validated once marked ready for review)")
    job = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=where.installation_id,
                  repository=where.repository, clone_url=where.clone_url,
                  head_sha=sha_at(payload, "pull_request.head.sha"),
                  base_sha=sha_at(payload, "pull_request.base.sha"),
                  pull_number=number, head_ref=text_at(payload, "pull_request.head.ref"),
                  base_ref=text_at(payload, "pull_request.base.ref"), event=f"pull_request.{action}")
    note = f"pull_request.{action}: {where.repository}#{number} at {job.head_sha[:12]}"
    return Decision(jobs=(job,), note=note)


def _suite_jobs(where: _Where, head_sha: str, head_ref: str, pulls: Sequence[Any], path: str,
                *, event: str, rerun: bool) -> Decision:
    """One pull request job per listed pull request of this repository; none listed (a fork's
    pull request): one commit job whose worker looks its pull requests up."""
    jobs: list[JobSpec] = []
    for index, entry in enumerate(pulls):
        at = f"{path}[{index}]"
        pull = obj(entry, at)
        if field_at(pull, "base.repo.id") not in (None, where.repository_id):
            continue  # a pull request of another repository with the same head: not ours to check
        try:
            base_sha, number = sha_at({"p": pull}, "p.base.sha"), positive_at({"p": pull}, "p.number")
            base_ref = text_at({"p": pull}, "p.base.ref")
        except MalformedError as err:
            raise MalformedError(f"{at}{str(err)[1:]}") from None
        jobs.append(JobSpec(kind=JobKind.PULL_REQUEST, installation_id=where.installation_id,
                            repository=where.repository, clone_url=where.clone_url, head_sha=head_sha,
                            base_sha=base_sha, pull_number=number, head_ref=head_ref, base_ref=base_ref,
                            event=event, rerun=rerun))
    if not pulls:
        jobs.append(JobSpec(kind=JobKind.COMMIT, installation_id=where.installation_id,
                            repository=where.repository, clone_url=where.clone_url, head_sha=head_sha,
                            head_ref=head_ref, event=event, rerun=rerun))
    what = ", ".join(f"#{j.pull_number}" for j in jobs if j.pull_number) or "its pull requests looked up"
    return Decision(jobs=tuple(jobs), note=f"{event}: {where.repository}@{head_sha[:12]} ({what})")


def _check_suite(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    action = _action(payload)
    if action not in ("requested", "rerequested"):
        return Decision(jobs=(), note=f"check_suite.{action}: not an action the app validates")
    where = _where(payload)
    return _suite_jobs(where, sha_at(payload, "check_suite.head_sha"),
                       text_at(payload, "check_suite.head_branch", optional=True),
                       list_at(payload, "check_suite.pull_requests"), "check_suite.pull_requests",
                       event=f"check_suite.{action}", rerun=action == "rerequested")


def _check_run(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    action = _action(payload)
    if action not in ("rerequested", "requested_action"):
        return Decision(jobs=(), note=f"check_run.{action}: not an action the app acts on")
    where = _where(payload)
    app_id = positive_at(payload, "check_run.app.id")
    name = text_at(payload, "check_run.name")
    if app_id != settings.app_id:
        return Decision(jobs=(), note=f"check_run.{action}: {name!r} belongs to another app ({app_id})")
    if action == "requested_action":
        identifier = text_at(payload, "requested_action.identifier")
        if identifier != RERUN_ACTION:
            return Decision(jobs=(), note=f"check_run.requested_action: {identifier!r} is not the "
                                          f"{RERUN_ACTION!r} button")
    return _suite_jobs(where, sha_at(payload, "check_run.head_sha"),
                       text_at(payload, "check_run.check_suite.head_branch", optional=True),
                       list_at(payload, "check_run.pull_requests"), "check_run.pull_requests",
                       event=f"check_run.{action}", rerun=True)


def _merge_group(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    action = _action(payload)
    if action != "checks_requested":
        return Decision(jobs=(), note=f"merge_group.{action}: not an action the app validates")
    where = _where(payload)
    job = JobSpec(kind=JobKind.MERGE_GROUP, installation_id=where.installation_id,
                  repository=where.repository, clone_url=where.clone_url,
                  head_sha=sha_at(payload, "merge_group.head_sha"),
                  base_sha=sha_at(payload, "merge_group.base_sha"),
                  head_ref=text_at(payload, "merge_group.head_ref"),
                  base_ref=text_at(payload, "merge_group.base_ref"),
                  event="merge_group.checks_requested")
    return Decision(jobs=(job,), note=f"merge_group.checks_requested: {where.repository} {job.head_ref}")


def _installation(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    action = _action(payload)
    installation_id = positive_at(payload, "installation.id")
    account = text_at(payload, "installation.account.login", optional=True)
    return Decision(jobs=(), note=f"installation.{action}: installation {installation_id} ({account or '?'})")


def _installation_repositories(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    action = _action(payload)
    installation_id = positive_at(payload, "installation.id")
    names = [text_at(obj(r, "repositories"), "full_name")
             for key in ("repositories_added", "repositories_removed")
             for r in (list_at(payload, key) if payload.get(key) is not None else ())]
    return Decision(jobs=(), note=f"installation_repositories.{action}: installation {installation_id}: "
                                  f"{', '.join(names) or 'none'}")


def _ping(payload: Mapping[str, Any], settings: AppSettings) -> Decision:
    hook = payload.get("hook_id")
    return Decision(jobs=(), note=f"ping: hook {hook} is set up ({payload.get('zen', '')})")


EVENTS: Mapping[str, Handler] = {
    "pull_request": _pull_request, "check_suite": _check_suite, "check_run": _check_run,
    "merge_group": _merge_group, "installation": _installation,
    "installation_repositories": _installation_repositories, "ping": _ping,
}
"""The events the App subscribes to (docs/app.md), by ``X-GitHub-Event``."""
