"""Reviews and the placement of review comments on the diff.

GitHub only accepts a review comment on a line inside a diff hunk of the chosen side; a review
holding one such comment is refused as a whole (422) and nothing of it is stored. Each stored
top-level comment opens a review thread (the GraphQL endpoint lists and resolves them).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.support.github_api import shapes
from tests.support.github_api.exchange import ApiError, Request, Response, not_found
from tests.support.github_api.gitdata import ChangedFile, line_mapper, node_id, patch_lines
from tests.support.github_api.state import JSON, PullRequest, Repository, ReviewThread, ServerState


def _file(pr: PullRequest, path: str) -> ChangedFile | None:
    return next((f for f in pr.data.files if f.filename == path), None)


def _position_line(file: ChangedFile, position: int) -> int | None:
    """The head-side line at a (deprecated) diff ``position``: lines after the first hunk header."""
    return next((new for index, _, _, new in patch_lines(file.patch or "") if index == position), None)


def placement(pr: PullRequest, comment: JSON) -> JSON | None:
    """``path``/``line``/``side``/``start_line`` of a comment that GitHub would accept, else None."""
    file = _file(pr, comment["path"])
    if file is None:
        return None
    if comment.get("subject_type") == "file":
        return {"path": file.filename, "line": None, "side": "RIGHT", "start_line": None, "start_side": None,
                "subject_type": "file"}
    line = comment.get("line")
    if line is None and "position" in comment:
        line = _position_line(file, comment["position"])
    side = comment.get("side", "RIGHT")
    allowed = file.commentable_right if side == "RIGHT" else file.commentable_left
    if line is None or line not in allowed:
        return None
    start = comment.get("start_line")
    if start is not None:
        start_side = str(comment.get("start_side") or side)
        start_allowed = file.commentable_right if start_side == "RIGHT" else file.commentable_left
        same_hunk = file.hunk_of(start, start_side) == file.hunk_of(line, side)
        if start not in start_allowed or start >= line or not same_hunk:
            return None
    return {"path": file.filename, "line": line, "side": side, "start_line": start,
            "start_side": comment.get("start_side", side) if start is not None else None,
            "subject_type": "line"}


def diff_position(pr: PullRequest, where: JSON) -> int | None:
    """The (deprecated) diff position of a placed comment: its line's index after the first header."""
    file = _file(pr, where["path"])
    for index, _, old, new in patch_lines(file.patch or "" if file else ""):
        numbered = new if where["side"] == "RIGHT" else old
        if numbered is not None and numbered == where["line"]:
            return index
    return None


def diff_hunk(pr: PullRequest, path: str, line: int | None) -> str:
    """The patch from the commented line's hunk header down to that line (as GitHub shows)."""
    file = _file(pr, path)
    hunk: list[str] = []
    for _, text, _, new in patch_lines(file.patch or "" if file else ""):
        hunk = [text] if text.startswith("@@") else [*hunk, text]
        if line is None or new == line:
            break
    return "\n".join(hunk)


def review_comment(state: ServerState, repo: Repository, pr: PullRequest, *, where: JSON, body: str,
                   review_id: int, commit_id: str, login: str, in_reply_to: int | None = None) -> JSON:
    """Store a review comment and put it into its thread (a new one unless it replies)."""
    comment_id = state.next_id()
    url = f"{state.repo_url(repo)}/pulls/comments/{comment_id}"
    pull_url = f"{state.repo_url(repo)}/pulls/{pr.number}"
    html = f"{shapes.WEB}/{repo.full_name}/pull/{pr.number}#discussion_r{comment_id}"
    stamp = shapes.now()
    comment: JSON = {
        "url": url, "id": comment_id, "node_id": node_id("PRRC", comment_id),
        "pull_request_review_id": review_id, "diff_hunk": diff_hunk(pr, where["path"], where["line"]),
        "path": where["path"], "position": diff_position(pr, where),
        "original_position": diff_position(pr, where),
        "commit_id": commit_id, "original_commit_id": commit_id, "user": shapes.user(state, login),
        "body": body, "created_at": stamp, "updated_at": stamp, "html_url": html,
        "pull_request_url": pull_url,
        "author_association": "NONE", "_links": shapes.links(url, html, pull_url),
        "line": where["line"], "original_line": where["line"], "side": where["side"],
        "start_line": where["start_line"], "original_start_line": where["start_line"],
        "start_side": where["start_side"], "subject_type": where.get("subject_type", "line"),
    }
    if in_reply_to is not None:
        comment["in_reply_to_id"] = in_reply_to
        thread = state.thread_of(in_reply_to)
        if thread is not None:
            thread.comment_ids.append(comment_id)
    else:
        thread_id = node_id("PRRT", comment_id)
        state.review_threads[thread_id] = ReviewThread(id=thread_id, repository=repo.full_name,
                                                       pull_number=pr.number, comment_ids=[comment_id])
    state.review_comments[comment_id] = comment
    return comment


def follow_push(state: ServerState, repo: Repository, pr: PullRequest, old_head: str) -> None:
    """After the head moved, comments follow their lines; changed lines leave them outdated.

    As on GitHub: a comment whose line is still in the diff gets the new ``line``, ``position``
    and ``commit_id``; otherwise ``line`` and ``position`` become null (``original_*`` stay).
    """
    pull_url = f"{state.repo_url(repo)}/pulls/{pr.number}"
    mappers: dict[str, Callable[[int], int | None]] = {}
    for comment in state.review_comments.values():
        if comment["pull_request_url"] != pull_url or comment["line"] is None or comment["side"] != "RIGHT":
            continue
        path = comment["path"]
        follow = mappers.setdefault(path, line_mapper(repo.git_dir, old_head, pr.head_sha, path))
        where = {**comment, "line": follow(comment["line"]),
                 "start_line": follow(comment["start_line"]) if comment["start_line"] else None}
        placed = placement(pr, where) if where["line"] is not None else None
        if placed is None or (comment["start_line"] and where["start_line"] is None):
            comment.update(line=None, position=None, start_line=None)
        else:
            comment.update(line=placed["line"], start_line=placed["start_line"],
                           position=diff_position(pr, placed), commit_id=pr.head_sha)


def new_review(state: ServerState, repo: Repository, pr: PullRequest, *, body: str, event: str | None,
               commit_id: str, login: str) -> JSON:
    """Store a review (a single review comment gets one too, as on GitHub)."""
    review_id = state.next_id()
    pull_url = f"{state.repo_url(repo)}/pulls/{pr.number}"
    html = f"{shapes.WEB}/{repo.full_name}/pull/{pr.number}#pullrequestreview-{review_id}"
    states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
    review: JSON = {
        "id": review_id, "node_id": node_id("PRR", review_id), "user": shapes.user(state, login),
        "body": body,
        "state": states.get(event or "", "PENDING"), "commit_id": commit_id, "html_url": html,
        "pull_request_url": pull_url, "author_association": "NONE",
        "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
        "submitted_at": shapes.now() if event else None,
    }
    state.reviews[review_id] = review
    return review


def commit_of(pr: PullRequest, commit_id: str | None) -> str:
    """The commit a comment is made on: the head unless the client names a commit of the PR."""
    if commit_id is None:
        return pr.head_sha
    if commit_id != pr.head_sha and commit_id not in {c.sha for c in pr.data.commits}:
        raise ApiError(422, "Unprocessable Entity", errors=["commit_id is not part of the pull request"])
    return commit_id


def create(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    body = req.json_body()
    commit_id = commit_of(pr, body.get("commit_id"))
    comments = body.get("comments", [])
    places = [placement(pr, c) for c in comments]
    if any(p is None for p in places):
        raise ApiError(422, "Unprocessable Entity", errors=["Line could not be resolved"])
    if body.get("event") in ("REQUEST_CHANGES", "COMMENT") and not body.get("body") and not comments:
        raise ApiError(422, "Unprocessable Entity",
                       errors=[f"Review Can't be blank when event is {body['event']}"])
    review = new_review(req.state, repo, pr, body=body.get("body", ""), event=body.get("event"),
                     commit_id=commit_id, login=req.token_login)
    for comment, where in zip(comments, places, strict=True):
        assert where is not None
        review_comment(req.state, repo, pr, where=where, body=comment["body"], review_id=review["id"],
                       commit_id=commit_id, login=req.token_login)
    return Response(body=review)


def list_reviews(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    url = f"{req.state.repo_url(repo)}/pulls/{pr.number}"
    return Response(body=[r for r in req.state.reviews.values() if r["pull_request_url"] == url], paginate="")


def update_review(req: Request) -> Response:
    review = review_of(req)
    review["body"] = req.json_body()["body"]
    return Response(body=review)


def dismiss_review(req: Request) -> Response:
    review = review_of(req)
    if review["state"] == "PENDING":
        raise ApiError(422, "Can not dismiss a pending review")
    review["state"] = "DISMISSED"
    return Response(body=review)


def review_of(req: Request) -> JSON:
    """The review named by ``review_id`` on the path's pull request, or 404."""
    repo = req.repo()
    pr = req.pull(repo)
    review = req.state.reviews.get(int(req.path_params["review_id"]))
    if review is None or review["pull_request_url"] != f"{req.state.repo_url(repo)}/pulls/{pr.number}":
        raise not_found()
    return review
