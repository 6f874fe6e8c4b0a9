"""Suite-wide fixtures: the GitHub API test server (``github_api``); pytester for fixture tests."""

pytest_plugins = ["pytester", "tests.support.github_api.fixture"]
