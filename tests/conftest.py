"""Suite-wide fixtures: the GitHub API test server (``github_api``)."""

pytest_plugins = ["tests.support.github_api.fixture"]
