"""Repository, comparison of two commits, and commit statuses."""

from __future__ import annotations

from tests.support.github_api import shapes
from tests.support.github_api.exchange import ApiError, Request, Response, not_found
from tests.support.github_api.gitdata import commit_info, node_id, pull_data, rev_parse
from tests.support.github_api.state import JSON


def get(req: Request) -> Response:
    return Response(body=shapes.repository(req.state, req.repo()))


def compare(req: Request) -> Response:
    repo = req.repo()
    base_name, sep, head_name = str(req.path_params["basehead"]).partition("...")
    if not sep:
        raise not_found()
    base, head = rev_parse(repo.git_dir, base_name), rev_parse(repo.git_dir, head_name)
    if base is None or head is None:
        raise not_found()
    data = pull_data(repo.git_dir, base, head)
    ahead = len(data.commits)
    status = ("identical" if ahead == data.behind_by == 0 else "ahead" if data.behind_by == 0
              else "behind" if ahead == 0 else "diverged")
    url = f"{req.state.repo_url(repo)}/compare/{base_name}...{head_name}"
    body: JSON = {
        "url": url, "html_url": f"{shapes.WEB}/{repo.full_name}/compare/{base_name}...{head_name}",
        "permalink_url": url, "diff_url": f"{url}.diff", "patch_url": f"{url}.patch",
        "base_commit": shapes.commit(req.state, repo, commit_info(repo.git_dir, base)),
        "merge_base_commit": shapes.commit(req.state, repo, commit_info(repo.git_dir, data.merge_base)),
        "status": status, "ahead_by": ahead, "behind_by": data.behind_by, "total_commits": ahead,
        "commits": [shapes.commit(req.state, repo, c) for c in data.commits[:250]],
        "files": [shapes.changed_file(repo, f, head) for f in data.files[:300]],
    }
    return Response(body=body)


def list_pulls_for_commit(req: Request) -> Response:
    """Open pull requests whose head is the commit (GitHub also lists merged ones; none here)."""
    repo = req.repo()
    sha = rev_parse(repo.git_dir, str(req.path_params["commit_sha"]))
    pulls = [shapes.pull_request(req.state, repo, pr) for pr in req.state.pull_requests.values()
             if pr.repository == repo.full_name and pr.head_sha == sha]
    return Response(body=pulls, paginate="")


def create_status(req: Request) -> Response:
    repo = req.repo()
    sha = str(req.path_params["sha"])
    if rev_parse(repo.git_dir, sha) is None:
        raise ApiError(422, "Validation Failed", errors=[{
            "resource": "Status", "code": "custom", "field": "sha",
            "message": f"No commit found for SHA: {sha}"}])
    body = req.json_body()
    status_id = req.state.next_id()
    stamp = shapes.now()
    status: JSON = {
        "url": f"{req.state.repo_url(repo)}/statuses/{sha}", "avatar_url": None, "id": status_id,
        "node_id": node_id("SC", status_id), "state": body["state"], "description": body.get("description"),
        "target_url": body.get("target_url"), "context": body.get("context", "default"),
        "created_at": stamp, "updated_at": stamp, "creator": shapes.user(req.state, req.token_login),
    }
    req.state.statuses.append(status)
    return Response(status=201, body=status)
