"""Check runs: create, update (annotations append), get, annotations, list for a ref."""

from __future__ import annotations

from typing import Any

from tests.support.github_api.exchange import ApiError, Request, Response, RuleError, not_found
from tests.support.github_api.gitdata import node_id, rev_parse
from tests.support.github_api.shapes import WEB, now, user
from tests.support.github_api.state import JSON, Repository, ServerState, Token


def app_json(state: ServerState, token: Token | None = None) -> JSON:
    """The GitHub App check runs are attributed to: the installation's app for an installation
    token, GitHub Actions for other tokens."""
    app = state.apps.get(token.app_id) if token is not None and token.app_id is not None else None
    if app is not None:
        return {"id": app.app_id, "slug": app.slug, "node_id": node_id("A", app.app_id), "name": app.slug,
                "owner": user(state, "octo-org", bot=False), "description": "", "external_url": WEB,
                "html_url": f"{WEB}/apps/{app.slug}", "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
                "permissions": {"checks": "write", "pull_requests": "write"}, "events": []}
    return {"id": 15368, "slug": "github-actions", "node_id": "MDM6QXBwMTUzNjg=", "name": "GitHub Actions",
            "owner": user(state, "github", bot=False), "description": "", "external_url": WEB,
            "html_url": f"{WEB}/apps/github-actions", "created_at": "2018-07-30T09:30:17Z",
            "updated_at": "2019-12-10T19:04:12Z",
            "permissions": {"checks": "write", "pull_requests": "write"}, "events": []}


def suite_id(state: ServerState, repo: Repository, head_sha: str) -> int:
    """The app's check suite on ``head_sha`` (created on first use, as GitHub does)."""
    for suite in state.check_suites.values():
        if suite["head_sha"] == head_sha and suite["repository"] == repo.full_name:
            return int(suite["id"])
    suite_id = state.next_id()
    state.check_suites[suite_id] = {"id": suite_id, "head_sha": head_sha, "repository": repo.full_name}
    return suite_id


def _check_annotations(annotations: list[JSON]) -> None:
    for index, item in enumerate(annotations):
        columns = "start_column" in item or "end_column" in item
        if columns and item["start_line"] != item["end_line"]:
            raise RuleError(f"output.annotations[{index}]: start_column and end_column may only be "
                             "given when start_line equals end_line")
        if item["end_line"] < item["start_line"]:
            raise RuleError(f"output.annotations[{index}]: end_line is before start_line")


def _apply(repo: Repository, run: JSON, body: JSON, annotations_before: int) -> list[JSON]:
    """Apply a create/update body to ``run``: fields and output replace; the annotations to append.

    Every rule is checked before anything is changed, so a refused request changes nothing.
    """
    output: JSON = body.get("output") or {}
    added: list[JSON] = output.get("annotations", [])
    _check_annotations(added)
    status = "completed" if "conclusion" in body else body.get("status", run["status"])
    if status == "completed" and body.get("conclusion", run["conclusion"]) is None:
        raise RuleError("conclusion is required when status is completed")
    for key in ("name", "details_url", "external_id", "started_at", "completed_at", "conclusion"):
        if key in body:
            run[key] = body[key]
    if "actions" in body:  # kept, not returned: GitHub's check-run answer has no actions
        run["actions"] = body["actions"]
    run["status"] = status
    if status == "completed":
        run["completed_at"] = run["completed_at"] or now()
    for key in ("title", "summary", "text"):
        if key in output:
            run["output"][key] = output[key]
    run["output"]["annotations_count"] = annotations_before + len(added)
    return [{"path": item["path"], "start_line": item["start_line"], "end_line": item["end_line"],
             "start_column": item.get("start_column"), "end_column": item.get("end_column"),
             "annotation_level": item["annotation_level"], "title": item.get("title"),
             "message": item["message"], "raw_details": item.get("raw_details"),
             "blob_href": f"{WEB}/{repo.full_name}/blob/{run['head_sha']}/{item['path']}"} for item in added]


def create(req: Request) -> Response:
    repo = req.repo()
    body = req.json_body()
    run_id = req.state.next_id()
    url = f"{req.state.repo_url(repo)}/check-runs/{run_id}"
    run: JSON = {
        "id": run_id, "node_id": node_id("CR", run_id), "head_sha": body["head_sha"], "name": body["name"],
        "external_id": None, "url": url, "html_url": f"{WEB}/{repo.full_name}/runs/{run_id}",
        "details_url": None, "status": "queued", "conclusion": None, "started_at": now(),
        "completed_at": None, "output": {"title": None, "summary": None, "text": None, "annotations_count": 0,
                                         "annotations_url": f"{url}/annotations"},
        "check_suite": {"id": 0}, "app": app_json(req.state, req.token), "pull_requests": [],
        "repository": repo.full_name,
    }
    added = _apply(repo, run, body, 0)
    if rev_parse(repo.git_dir, body["head_sha"]) != body["head_sha"]:
        raise ApiError(422, f"No commit found for SHA: {body['head_sha']}")
    run["check_suite"] = {"id": suite_id(req.state, repo, body["head_sha"])}
    req.state.check_runs[run_id] = run
    req.state.annotations[run_id] = added
    return Response(status=201, body=public(req.state, run))


def public(state: ServerState, run: JSON) -> JSON:
    """The check run as GitHub returns it: the open pull requests whose head it is run on listed."""
    pulls = [{"id": pr.id, "number": pr.number,
              "url": f"{state.base_url}/repos/{pr.repository}/pulls/{pr.number}",
              "head": _pull_ref(state, pr.repository, pr.head_ref, pr.head_sha),
              "base": _pull_ref(state, pr.repository, pr.base_ref, pr.base_sha)}
             for pr in state.pull_requests.values()
             if pr.repository == run["repository"] and pr.head_sha == run["head_sha"] and pr.state == "open"]
    return {**{k: v for k, v in run.items() if k not in ("repository", "actions")}, "pull_requests": pulls}


def _pull_ref(state: ServerState, full_name: str, ref: str, sha: str) -> JSON:
    repo = state.repositories[full_name.lower()]
    return {"ref": ref, "sha": sha, "repo": {"id": repo.id, "url": state.repo_url(repo), "name": repo.name}}


def _run(req: Request) -> tuple[Repository, JSON]:
    repo = req.repo()
    run = req.state.check_runs.get(int(req.path_params["check_run_id"]))
    if run is None or run["repository"] != repo.full_name:
        raise not_found()
    return repo, run


def update(req: Request) -> Response:
    repo, run = _run(req)
    draft = {**run, "output": dict(run["output"])}
    stored = req.state.annotations.setdefault(run["id"], [])
    stored += _apply(repo, draft, req.json_body(), len(stored))
    run.update(draft)
    return Response(body=public(req.state, run))


def get(req: Request) -> Response:
    return Response(body=public(req.state, _run(req)[1]))


def list_annotations(req: Request) -> Response:
    _, run = _run(req)
    return Response(body=list(req.state.annotations.get(run["id"], [])), paginate="")


def list_for_ref(req: Request) -> Response:
    repo = req.repo()
    ref = str(req.path_params["ref"])
    sha = ref if len(ref) == 40 else rev_parse(repo.git_dir, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    runs = [r for r in req.state.check_runs.values()
            if r["repository"] == repo.full_name and r["head_sha"] == sha]
    query: dict[str, Any] = dict(req.query)
    if "check_name" in query:
        runs = [r for r in runs if r["name"] == query["check_name"]]
    if "status" in query:
        runs = [r for r in runs if r["status"] == query["status"]]
    if "app_id" in query:
        runs = [r for r in runs if r["app"]["id"] == query["app_id"]]
    if query.get("filter", "latest") == "latest":
        latest: dict[str, JSON] = {}
        for r in runs:
            latest[r["name"]] = r
        runs = list(latest.values())
    runs.sort(key=lambda r: -int(r["id"]))
    return Response(body={"total_count": len(runs), "check_runs": [public(req.state, r) for r in runs]},
                    paginate="check_runs")
