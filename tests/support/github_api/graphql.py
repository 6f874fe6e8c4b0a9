"""A minimal GraphQL endpoint: the two documents the publisher sends, recognised by operation name.

``ReviewThreads`` lists a pull request's review threads (id, isResolved, the first comment's
databaseId and body, paginated by cursor); ``ResolveThread`` resolves one. Anything else is a
GraphQL error and a contract violation. Like GitHub, errors come back with HTTP 200 and an
``errors`` list; a read-only token gets a ``FORBIDDEN`` error on the mutation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.github_api.state import JSON, ServerState

_OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)\s*(\([^)]*\))?", re.MULTILINE)
_PAGE = 100


@dataclass(frozen=True, kw_only=True)
class GraphQLAnswer:
    """The response body and the violations it implies."""

    body: JSON
    violations: tuple[str, ...] = ()


def _error(message: str, kind: str, *, violation: bool) -> GraphQLAnswer:
    body: JSON = {"data": None, "errors": [{"type": kind, "message": message, "locations": []}]}
    return GraphQLAnswer(body=body, violations=(f"graphql: {message}",) if violation else ())


@dataclass(frozen=True, kw_only=True)
class _Document:
    kind: str
    variables: dict[str, tuple[str, bool]]
    """Variable name -> (GraphQL type name, required)."""
    answer: Callable[[ServerState, dict[str, Any], bool], GraphQLAnswer]
    fields: tuple[str, ...]
    """Selections the agreed document reads; a query without one of them is a violation."""


def _review_threads(state: ServerState, variables: dict[str, Any], _write: bool) -> GraphQLAnswer:
    repo = state.repository(variables["owner"], variables["name"])
    pr = state.pull_request(repo, variables["number"]) if repo else None
    if repo is None or pr is None:
        return _error("Could not resolve to a PullRequest with the number of "
                      f"{variables['number']}.", "NOT_FOUND", violation=False)
    threads = [t for t in state.review_threads.values()
               if t.repository == repo.full_name and t.pull_number == pr.number]
    start = int(variables.get("cursor") or 0)
    page = threads[start:start + _PAGE]
    nodes = []
    for thread in page:
        first = state.review_comments[thread.comment_ids[0]]
        nodes.append({"id": thread.id, "isResolved": thread.is_resolved,
                      "comments": {"nodes": [{"databaseId": first["id"], "body": first["body"]}]}})
    more = start + _PAGE < len(threads)
    connection = {"pageInfo": {"hasNextPage": more, "endCursor": str(start + len(page)) if page else None},
                  "nodes": nodes}
    return GraphQLAnswer(body={"data": {"repository": {"pullRequest": {"reviewThreads": connection}}}})


def _resolve_thread(state: ServerState, variables: dict[str, Any], write: bool) -> GraphQLAnswer:
    if not write:
        return _error("Resource not accessible by integration", "FORBIDDEN", violation=False)
    thread = state.review_threads.get(variables["threadId"])
    if thread is None:
        return _error(f"Could not resolve to a node with the global id of '{variables['threadId']}'",
                      "NOT_FOUND", violation=False)
    thread.is_resolved = True
    return GraphQLAnswer(body={"data": {"resolveReviewThread": {
        "thread": {"id": thread.id, "isResolved": True}}}})


DOCUMENTS: dict[str, _Document] = {
    "ReviewThreads": _Document(kind="query", answer=_review_threads, fields=(
        "repository", "pullRequest", "reviewThreads", "pageInfo", "hasNextPage", "endCursor", "nodes", "id",
        "isResolved", "comments", "databaseId", "body"), variables={
        "owner": ("String", True), "name": ("String", True), "number": ("Int", True),
        "cursor": ("String", False)}),
    "ResolveThread": _Document(kind="mutation", answer=_resolve_thread, variables={"threadId": ("ID", True)},
                               fields=("resolveReviewThread", "threadId", "thread", "isResolved")),
}

_PYTHON_TYPES: dict[str, type] = {"String": str, "ID": str, "Int": int}


def _declared(signature: str) -> dict[str, tuple[str, bool]]:
    return {name: (kind, bang == "!")
            for name, kind, bang in re.findall(r"\$(\w+)\s*:\s*(\w+)\s*(!?)", signature)}


def operation_name(payload: object) -> str:
    """The operation name of a GraphQL request body, for the request log."""
    if isinstance(payload, dict) and isinstance(payload.get("query"), str):
        found = _OPERATION.search(payload["query"])
        if found:
            return found.group(2)
    return "unknown"


class _RefusedError(Exception):
    """A request body the agreed documents do not allow (answered as a GraphQL error)."""


def _document(payload: object) -> tuple[_Document, dict[str, Any]]:
    """The agreed document a request sends and its variables; :class:`_RefusedError` otherwise."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise _RefusedError("A query attribute must be specified and must be a string.")
    query = payload["query"]
    found = _OPERATION.search(query)
    document = DOCUMENTS.get(found.group(2)) if found else None
    if found is None or document is None or found.group(1) != document.kind:
        name = found.group(2) if found else "(anonymous)"
        raise _RefusedError(f"unknown operation {name}: the test server knows {sorted(DOCUMENTS)}")
    if _declared(found.group(3) or "") != document.variables:
        raise _RefusedError(f"{found.group(2)}: variables {found.group(3)} differ from the agreed document")
    missing = [f for f in document.fields if not re.search(rf"\b{f}\b", query)]
    if missing:
        raise _RefusedError(f"{found.group(2)}: the document does not select {missing}")
    variables = payload.get("variables") or {}
    if not isinstance(variables, dict):
        raise _RefusedError("variables must be an object")
    for name, (kind, required) in document.variables.items():
        value = variables.get(name)
        if (value is None and required) or (value is not None and not isinstance(value, _PYTHON_TYPES[kind])):
            bang = "!" if required else ""
            raise _RefusedError(f"Variable ${name} of type {kind}{bang} was provided invalid value")
    return document, variables


def is_query(payload: object) -> bool:
    """Whether a GraphQL request only reads (it does not count as a write)."""
    if isinstance(payload, dict) and isinstance(payload.get("query"), str):
        found = _OPERATION.search(payload["query"])
        return found is not None and found.group(1) == "query"
    return False


def execute(state: ServerState, payload: object, *, write: bool) -> GraphQLAnswer:
    """Answer one GraphQL request body (``{"query": ..., "variables": ...}``)."""
    try:
        document, variables = _document(payload)
    except _RefusedError as err:
        kind = "UNKNOWN_OPERATION" if str(err).startswith("unknown operation") else "INVALID"
        return _error(str(err), kind, violation=True)
    return document.answer(state, variables, write)
