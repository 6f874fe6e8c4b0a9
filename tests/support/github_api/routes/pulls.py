"""Pull requests, their files and commits (computed from the real git repository)."""

from __future__ import annotations

from tests.support.github_api import shapes
from tests.support.github_api.exchange import Request, Response


def get(req: Request) -> Response:
    repo = req.repo()
    return Response(body=shapes.pull_request(req.state, repo, req.pull(repo)))


def list_pulls(req: Request) -> Response:
    """A repository's pull requests: ``state``, ``base`` and ``head`` (``owner:ref``) filter;
    created (ids grow with creation) newest first unless ``direction=asc``; other sorts are
    kept in creation order (no comment counts or activity are modelled)."""
    repo = req.repo()
    state, sort = str(req.query.get("state", "open")), str(req.query.get("sort", "created"))
    found = [pr for (name, _), pr in req.state.pull_requests.items() if name == repo.full_name
             and state in ("all", pr.state)
             and req.query.get("base", pr.base_ref) == pr.base_ref
             and req.query.get("head", f"{repo.owner}:{pr.head_ref}") == f"{repo.owner}:{pr.head_ref}"]
    descending = req.query.get("direction", "desc" if sort == "created" else "asc") == "desc"
    found.sort(key=lambda pr: pr.id, reverse=descending)
    return Response(body=[shapes.pull_request_simple(req.state, repo, pr) for pr in found], paginate="")


def list_files(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    files = [shapes.changed_file(repo, f, pr.head_sha) for f in pr.data.files[:3000]]
    return Response(body=files, paginate="")


def list_commits(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    return Response(body=[shapes.commit(req.state, repo, c) for c in pr.data.commits[:250]], paginate="")
