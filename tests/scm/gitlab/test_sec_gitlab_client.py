"""GitLabSession against a hostile or misconfigured GitLab answer (real loopback HTTP).

The token travels in ``PRIVATE-TOKEN``, a header requests does not know to be a credential:
on a redirect to another host it strips ``Authorization`` but re-sends every other header,
so a redirect would hand the token to whatever host the answer names.
"""

from __future__ import annotations

import pytest

from tests.scm.gitlab.scripted import Answer, scripted_server
from tests.support.listener import loopback_listener
from validator.scm.gitlab.client import GitLabCallError, GitLabSession

TOKEN = "glpat-secret-token-value"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_host_never_carries_the_token(status: int) -> None:
    with loopback_listener() as elsewhere:
        answers = [Answer(status, None, {"Location": f"{elsewhere.url}/api/v4/projects/1"})] * 6
        with scripted_server(answers) as srv:
            session = GitLabSession(srv.url, TOKEN, timeout=5, max_wait=1)
            with pytest.raises(GitLabCallError, match="redirect") as caught:
                session.get("/projects/1")
            assert TOKEN not in str(caught.value)
            assert len(srv.requests) == 1, "a redirect is an answer, not a fault to retry"
        assert not any(TOKEN.encode() in first for first in elsewhere.connections)
        assert elsewhere.connections == [], "the redirect is not followed at all"


def test_an_answer_over_the_size_cap_is_refused_before_it_is_held() -> None:
    """A hostile or broken GitLab answering a huge body must not make the worker hold it:
    the session reads at most ``max_response_bytes`` and fails the call (not retried)."""
    huge = ["x" * 1000] * 3000  # about 3 MB of JSON
    with scripted_server([Answer(200, huge)] * 6) as srv:
        session = GitLabSession(srv.url, TOKEN, timeout=5, max_wait=1, max_response_bytes=1_000_000)
        with pytest.raises(GitLabCallError, match="larger than 1000000 bytes"):
            session.get("/projects/1/merge_requests/1/discussions")
        assert len(srv.requests) == 1
        small = GitLabSession(srv.url, TOKEN, timeout=5, max_response_bytes=10_000_000)
        assert len(small.get("/projects/1")) == 3000, "under the cap: read as before"
