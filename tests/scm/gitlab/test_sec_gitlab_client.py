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
