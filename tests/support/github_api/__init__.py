"""A GitHub API test server (REST + minimal GraphQL) checked against ../shared/github's contract.

Use ``GitHubApiServer`` as a context manager or the ``github_api`` pytest fixture
(``tests/support/github_api/fixture.py``); see docs/testing.md.
"""

from tests.support.github_api.contract import ContractMissingError, shared_dir
from tests.support.github_api.dispatch import RecordedRequest, Violation
from tests.support.github_api.faults import SECONDARY_RATE_LIMIT, Fault, Faults
from tests.support.github_api.server import GitHubApiServer

__all__ = ["SECONDARY_RATE_LIMIT", "ContractMissingError", "Fault", "Faults", "GitHubApiServer",
           "RecordedRequest", "Violation", "shared_dir"]
