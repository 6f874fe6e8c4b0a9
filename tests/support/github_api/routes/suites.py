"""Check suites: one per app and commit, their state derived from their check runs; re-requests.

A re-request makes GitHub send a ``check_suite``/``check_run`` ``rerequested`` webhook; here it
is recorded in ``state.rerequests`` for the test to assert on.
"""

from __future__ import annotations

from tests.support.github_api import shapes
from tests.support.github_api.exchange import ApiError, Request, Response, not_found
from tests.support.github_api.gitdata import commit_info, node_id, rev_parse
from tests.support.github_api.routes.checks import app_json, public, suite_id
from tests.support.github_api.state import JSON, Repository, ServerState

_SEVERITY = ("action_required", "cancelled", "timed_out", "failure", "neutral", "skipped", "stale", "success")


def _suite_json(state: ServerState, repo: Repository, suite: JSON) -> JSON:
    runs = [r for r in state.check_runs.values() if r["check_suite"]["id"] == suite["id"]]
    statuses = {r["status"] for r in runs}
    status = ("completed" if runs and statuses == {"completed"}
              else "in_progress" if "in_progress" in statuses or "completed" in statuses else "queued")
    conclusions = [r["conclusion"] for r in runs if r["conclusion"]]
    conclusion = min(conclusions, key=_SEVERITY.index) if status == "completed" else None
    head = commit_info(repo.git_dir, suite["head_sha"])
    url = f"{state.repo_url(repo)}/check-suites/{suite['id']}"
    return {
        "id": suite["id"], "node_id": node_id("CS", suite["id"]), "head_branch": None,
        "head_sha": suite["head_sha"], "status": status, "conclusion": conclusion, "url": url,
        "before": None, "after": suite["head_sha"], "created_at": "2026-01-01T00:00:00Z",
        "updated_at": shapes.now(), "app": app_json(state),
        "repository": shapes.repository(state, repo, full=False),
        "head_commit": {"id": head.sha, "tree_id": head.tree, "message": head.message,
                        "timestamp": head.committer[2],
                        "author": {"name": head.author[0], "email": head.author[1]},
                        "committer": {"name": head.committer[0], "email": head.committer[1]}},
        "latest_check_runs_count": len(runs), "check_runs_url": f"{url}/check-runs",
        "pull_requests": public(state, {**runs[0]})["pull_requests"] if runs else [],
        "rerequestable": True, "runs_rerequestable": True,
    }


def create(req: Request) -> Response:
    repo = req.repo()
    head_sha = req.json_body()["head_sha"]
    if rev_parse(repo.git_dir, head_sha) != head_sha:
        raise ApiError(422, f"No commit found for SHA: {head_sha}")
    existing = len(req.state.check_suites)
    found = req.state.check_suites[suite_id(req.state, repo, head_sha)]
    status = 201 if len(req.state.check_suites) > existing else 200
    return Response(status=status, body=_suite_json(req.state, repo, found))


def list_for_ref(req: Request) -> Response:
    repo = req.repo()
    sha = rev_parse(repo.git_dir, str(req.path_params["ref"]))
    suites = [s for s in req.state.check_suites.values()
              if s["repository"] == repo.full_name and s["head_sha"] == sha]
    if "check_name" in req.query:
        named = {r["check_suite"]["id"] for r in req.state.check_runs.values()
                 if r["name"] == req.query["check_name"]}
        suites = [s for s in suites if s["id"] in named]
    shaped = [_suite_json(req.state, repo, s) for s in suites]
    return Response(body={"total_count": len(shaped), "check_suites": shaped}, paginate="check_suites")


def rerequest_suite(req: Request) -> Response:
    repo = req.repo()
    suite = req.state.check_suites.get(int(req.path_params["check_suite_id"]))
    if suite is None or suite["repository"] != repo.full_name:
        raise not_found()
    req.state.rerequests.append(("check_suite", suite["id"]))
    return Response(status=201, body={})


def rerequest_run(req: Request) -> Response:
    repo = req.repo()
    run = req.state.check_runs.get(int(req.path_params["check_run_id"]))
    if run is None or run["repository"] != repo.full_name:
        raise not_found()
    req.state.rerequests.append(("check_run", run["id"]))
    return Response(status=201, body={})
