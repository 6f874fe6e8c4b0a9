"""A GitLab REST API v4 test server (and git over HTTP) checked against ``contract.json``.

Use ``GitLabApiServer`` as a context manager; see docs/testing.md.
"""

from tests.support.gitlab_api.dispatch import RecordedRequest, Violation
from tests.support.gitlab_api.faults import Fault, Faults
from tests.support.gitlab_api.positions import LINE_CODE_MESSAGE
from tests.support.gitlab_api.server import GitLabApiServer

__all__ = ["LINE_CODE_MESSAGE", "Fault", "Faults", "GitLabApiServer", "RecordedRequest", "Violation"]
