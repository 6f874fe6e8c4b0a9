"""Repository contents, trees and blobs, read from the real git repository."""

from __future__ import annotations

import base64

from tests.support.github_api.exchange import ApiError, Request, Response, not_found
from tests.support.github_api.gitdata import TreeEntry, git_bytes, ls_tree, node_id, object_type, rev_parse
from tests.support.github_api.shapes import WEB
from tests.support.github_api.state import JSON, Repository, ServerState


def _content_entry(state: ServerState, repo: Repository, entry: TreeEntry, ref: str) -> JSON:
    url = f"{state.repo_url(repo)}/contents/{entry.path}?ref={ref}"
    html = f"{WEB}/{repo.full_name}/{'blob' if entry.type == 'blob' else 'tree'}/{ref}/{entry.path}"
    git_url = f"{state.repo_url(repo)}/git/{'blobs' if entry.type == 'blob' else 'trees'}/{entry.sha}"
    return {"type": "file" if entry.type == "blob" else "dir", "size": entry.size or 0,
            "name": entry.path.rsplit("/", 1)[-1], "path": entry.path, "sha": entry.sha, "url": url,
            "git_url": git_url, "html_url": html,
            "download_url": (f"{WEB}/{repo.full_name}/raw/{ref}/{entry.path}"
                             if entry.type == "blob" else None),
            "_links": {"self": url, "git": git_url, "html": html}}


def get_content(req: Request) -> Response:
    repo = req.repo()
    ref = str(req.query.get("ref", repo.default_branch))
    commit = rev_parse(repo.git_dir, ref)
    path = str(req.path_params["path"]).strip("/")
    found = ls_tree(repo.git_dir, commit, path) if commit else []
    if not found or found[0].path != path:
        raise not_found()
    (entry,) = found
    if entry.type == "tree":
        listing = ls_tree(repo.git_dir, commit or ref, path + "/")
        return Response(body=[_content_entry(req.state, repo, e, ref) for e in listing])
    data = git_bytes(repo.git_dir, "cat-file", "blob", entry.sha)
    return Response(body={**_content_entry(req.state, repo, entry, ref), "encoding": "base64",
                          "content": base64.encodebytes(data).decode()})


CODELOAD = "/_codeload/"
"""Where tarball links point (GitHub's codeload host): served without a token, not an API path."""


def download_tarball(req: Request) -> Response:
    repo = req.repo()
    sha = rev_parse(repo.git_dir, str(req.path_params["ref"]))
    if sha is None:
        raise not_found()
    location = f"{req.state.root_url}{CODELOAD}{repo.full_name}/legacy.tar.gz/{sha}?token=codeload-{sha[:8]}"
    return Response(status=302, headers={"Location": location})


def codeload(state: ServerState, path: str) -> bytes | None:
    """The ``git archive`` a tarball link names (``/_codeload/o/r/legacy.tar.gz/<sha>``), or None."""
    parts = path.removeprefix(CODELOAD).split("/")
    if len(parts) != 4 or parts[2] != "legacy.tar.gz":
        return None
    repo = state.repository(parts[0], parts[1])
    sha = rev_parse(repo.git_dir, parts[3]) if repo else None
    if repo is None or sha is None:
        return None
    prefix = f"{repo.owner}-{repo.name}-{sha[:7]}/"
    return git_bytes(repo.git_dir, "archive", "--format=tar.gz", f"--prefix={prefix}", sha)


def get_tree(req: Request) -> Response:
    repo = req.repo()
    sha = str(req.path_params["tree_sha"])
    if object_type(repo.git_dir, sha) not in ("tree", "commit"):
        raise not_found()
    tree_sha = rev_parse(repo.git_dir, sha, kind="tree") or sha
    entries = ls_tree(repo.git_dir, tree_sha, recursive="recursive" in req.query)
    tree = [{"path": e.path, "mode": e.mode, "type": e.type, "sha": e.sha,
             **({"size": e.size} if e.size is not None else {}),
             "url": f"{req.state.repo_url(repo)}/git/{e.type}s/{e.sha}"} for e in entries]
    return Response(body={"sha": tree_sha, "url": f"{req.state.repo_url(repo)}/git/trees/{tree_sha}",
                          "tree": tree, "truncated": False})


def get_blob(req: Request) -> Response:
    repo = req.repo()
    sha = str(req.path_params["file_sha"])
    if object_type(repo.git_dir, sha) != "blob":
        raise ApiError(404, "Not Found") if len(sha) == 40 else ApiError(422, "Validation Failed")
    data = git_bytes(repo.git_dir, "cat-file", "blob", sha)
    return Response(body={"sha": sha, "node_id": node_id("B", sha), "size": len(data),
                          "url": f"{req.state.repo_url(repo)}/git/blobs/{sha}", "encoding": "base64",
                          "content": base64.encodebytes(data).decode()})
