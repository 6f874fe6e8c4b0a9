"""Review comments (single, replies via ``in_reply_to``) and issue comments."""

from __future__ import annotations

from typing import Any

from tests.support.github_api import shapes
from tests.support.github_api.exchange import ApiError, Request, Response, not_found
from tests.support.github_api.gitdata import node_id
from tests.support.github_api.routes import reviews
from tests.support.github_api.state import JSON, Repository


def _sorted(items: list[JSON], query: dict[str, Any]) -> list[JSON]:
    if "since" in query:
        items = [c for c in items if c["updated_at"] >= query["since"]]
    key = "updated_at" if query.get("sort") == "updated" else "created_at"
    items.sort(key=lambda c: (c[key], c["id"]), reverse=query.get("direction") == "desc")
    return items


def list_review_comments(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    url = f"{req.state.repo_url(repo)}/pulls/{pr.number}"
    found = [c for c in req.state.review_comments.values() if c["pull_request_url"] == url]
    return Response(body=_sorted(found, dict(req.query)), paginate="")


def create_review_comment(req: Request) -> Response:
    repo = req.repo()
    pr = req.pull(repo)
    body = req.json_body()
    commit_id = reviews.commit_of(pr, body.get("commit_id"))
    reply_to = body.get("in_reply_to")
    if reply_to is not None:
        parent = req.state.review_comments.get(reply_to)
        if parent is None or parent["pull_request_url"] != f"{req.state.repo_url(repo)}/pulls/{pr.number}":
            raise not_found()
        where = {k: parent[k] for k in ("path", "line", "side", "start_line", "start_side", "subject_type")}
    else:
        placed = reviews.placement(pr, body)
        if placed is None:
            raise ApiError(422, "Validation Failed", errors=[{
                "resource": "PullRequestReviewComment", "code": "custom",
                "field": "pull_request_review_thread.line",
                "message": "pull_request_review_thread.line must be part of the diff"}])
        where = placed
    review = reviews.new_review(req.state, repo, pr, body="", event="COMMENT", commit_id=commit_id,
                                login=req.token_login)
    comment = reviews.review_comment(req.state, repo, pr, where=where, body=body["body"],
                                     review_id=review["id"],
                                     commit_id=commit_id, login=req.token_login, in_reply_to=reply_to)
    return Response(status=201, body=comment)


def _review_comment(req: Request) -> JSON:
    repo = req.repo()
    comment = req.state.review_comments.get(int(req.path_params["comment_id"]))
    if comment is None or not comment["url"].startswith(req.state.repo_url(repo) + "/"):
        raise not_found()
    return comment


def get_review_comment(req: Request) -> Response:
    return Response(body=_review_comment(req))


def update_review_comment(req: Request) -> Response:
    comment = _review_comment(req)
    comment["body"] = req.json_body()["body"]
    comment["updated_at"] = shapes.now()
    return Response(body=comment)


def delete_review_comment(req: Request) -> Response:
    comment = _review_comment(req)
    del req.state.review_comments[comment["id"]]
    thread = req.state.thread_of(comment["id"])
    if thread is not None:
        thread.comment_ids.remove(comment["id"])
        if not thread.comment_ids:
            del req.state.review_threads[thread.id]
    return Response(status=204)


def _issue_url(req: Request, repo: Repository) -> str:
    number = int(req.path_params["issue_number"])
    if req.state.pull_request(repo, number) is None:
        raise not_found()
    return f"{req.state.repo_url(repo)}/issues/{number}"


def list_issue_comments(req: Request) -> Response:
    repo = req.repo()
    url = _issue_url(req, repo)
    found = [c for c in req.state.issue_comments.values() if c["issue_url"] == url]
    return Response(body=_sorted(found, dict(req.query)), paginate="")


def create_issue_comment(req: Request) -> Response:
    repo = req.repo()
    issue_url = _issue_url(req, repo)
    comment_id = req.state.next_id()
    url = f"{req.state.repo_url(repo)}/issues/comments/{comment_id}"
    stamp = shapes.now()
    comment: JSON = {
        "id": comment_id, "node_id": node_id("IC", comment_id), "url": url,
        "html_url": f"{shapes.WEB}/{repo.full_name}/pull/{req.path_params['issue_number']}"
                    f"#issuecomment-{comment_id}",
        "issue_url": issue_url, "body": req.json_body()["body"],
        "user": shapes.user(req.state, req.token_login),
        "created_at": stamp, "updated_at": stamp, "author_association": "NONE",
    }
    req.state.issue_comments[comment_id] = comment
    return Response(status=201, body=comment)


def _issue_comment(req: Request) -> JSON:
    repo = req.repo()
    comment = req.state.issue_comments.get(int(req.path_params["comment_id"]))
    if comment is None or not comment["url"].startswith(req.state.repo_url(repo) + "/"):
        raise not_found()
    return comment


def get_issue_comment(req: Request) -> Response:
    return Response(body=_issue_comment(req))


def update_issue_comment(req: Request) -> Response:
    comment = _issue_comment(req)
    comment["body"] = req.json_body()["body"]
    comment["updated_at"] = shapes.now()
    return Response(body=comment)


def delete_issue_comment(req: Request) -> Response:
    del req.state.issue_comments[_issue_comment(req)["id"]]
    return Response(status=204)
