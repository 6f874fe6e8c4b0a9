"""GitLabSession's fault policy over real loopback HTTP: Retry-After honoured and bounded,
POSTs never re-sent, GitLab's error messages, pagination, the token only in a header."""

from __future__ import annotations

import pytest

from tests.scm.gitlab.scripted import Answer, scripted_server
from validator.scm.gitlab.client import GitLabCallError, GitLabSession

TOKEN = "glpat-secret-token-value"


def test_get_sends_the_token_in_a_header_only() -> None:
    with scripted_server([Answer(200, {"id": 1})]) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=5)
        assert session.get("/projects/1", {"simple": "true"}) == {"id": 1}
        method, path, headers, _ = srv.requests[0]
        assert (method, path) == ("GET", "/api/v4/projects/1?simple=true")
        assert headers["PRIVATE-TOKEN"] == TOKEN
        assert session.calls == 1
        assert TOKEN not in repr(session)


def test_a_429_with_retry_after_is_waited_for_and_retried() -> None:
    waits: list[float] = []
    answers = [Answer(429, {"message": "Retry later"}, {"Retry-After": "1"}), Answer(201, {"id": 5})]
    with scripted_server(answers) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=5, max_wait=5, on_wait=waits.append)
        assert session.post("/projects/1/merge_requests/2/notes", {"body": "x"}) == {"id": 5}
        assert [r[0] for r in srv.requests] == ["POST", "POST"]
        assert waits == [1.0]
        assert session.calls == 2


def test_a_wait_beyond_max_wait_is_not_slept() -> None:
    waits: list[float] = []
    with scripted_server([Answer(429, {"message": "Retry later"}, {"Retry-After": "3600"})]) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=5, max_wait=2, on_wait=waits.append)
        with pytest.raises(GitLabCallError) as caught:
            session.get("/projects/1")
        assert caught.value.status == 429
        assert caught.value.rate_limited
        assert waits == []
        assert len(srv.requests) == 1


def test_a_post_answered_5xx_is_not_resent_but_a_get_is_retried() -> None:
    with scripted_server([Answer(502, {"message": "502 Bad Gateway"})]) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=5, max_wait=5)
        with pytest.raises(GitLabCallError) as caught:
            session.post("/projects/1/statuses/abc", {"state": "running"})
        assert caught.value.status == 502
        assert len(srv.requests) == 1
    with scripted_server([Answer(503, {"message": "x"}), Answer(200, [])]) as srv:
        assert GitLabSession(srv.url, TOKEN, timeout=5, max_wait=5).get("/projects") == []
        assert len(srv.requests) == 2


def test_a_post_that_times_out_is_ambiguous_and_not_resent() -> None:
    with scripted_server([Answer(201, {"id": 1}, delay=2.0)]) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=0.5, max_wait=5)
        with pytest.raises(GitLabCallError) as caught:
            session.post("/projects/1/merge_requests/2/discussions", {"body": "x"})
        assert caught.value.ambiguous
        assert caught.value.status is None
        assert len(srv.requests) == 1


def test_gitlab_messages_are_kept_structured_or_not() -> None:
    line_code = '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}'
    answers = [Answer(400, {"message": line_code}), Answer(403, {"message": "403 Forbidden"}),
               Answer(401, {"message": "401 Unauthorized"}), Answer(400, {"error": "state is invalid"})]
    with scripted_server(answers) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=5)
        errors = []
        for _ in answers:
            with pytest.raises(GitLabCallError) as caught:
                session.post("/x", {})
            errors.append(caught.value)
    assert errors[0].status == 400
    assert "line_code" in errors[0].message
    assert errors[0].data == {"message": line_code}
    assert errors[1].forbidden
    assert errors[2].forbidden
    assert not errors[0].forbidden
    assert errors[3].message == "state is invalid"
    assert all(TOKEN not in str(e) for e in errors)


def test_unreachable_after_bounded_retries() -> None:
    session = GitLabSession("http://127.0.0.1:1", TOKEN, timeout=1, max_wait=0.01)
    with pytest.raises(GitLabCallError) as caught:
        session.get("/user")
    assert caught.value.unreachable
    assert session.calls == 5


def test_get_all_follows_x_next_page() -> None:
    answers = [Answer(200, [1, 2], {"X-Next-Page": "2"}), Answer(200, [3], {"X-Next-Page": ""})]
    with scripted_server(answers) as srv:
        assert GitLabSession(srv.url, TOKEN).get_all("/projects/1/merge_requests/2/notes") == [1, 2, 3]
        notes = "/api/v4/projects/1/merge_requests/2/notes"
        assert [r[1] for r in srv.requests] == [f"{notes}?per_page=100&page={n}" for n in (1, 2)]
