"""Pull requests, their files and commits (computed from the real git repository)."""

from __future__ import annotations

from tests.support.github_api import shapes
from tests.support.github_api.exchange import Request, Response


def get(req: Request) -> Response:
    repo = req.repo()
    return Response(body=shapes.pull_request(req.state, repo, req.pull(repo)))


def list_files(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    files = [shapes.changed_file(repo, f, pr.head_sha) for f in pr.data.files[:3000]]
    return Response(body=files, paginate="")


def list_commits(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    return Response(body=[shapes.commit(req.state, repo, c) for c in pr.data.commits[:250]], paginate="")
