"""The ``github_api`` fixture fails a test whose requests broke the contract (inner pytest run)."""

from __future__ import annotations

import pytest

INNER_TEST = '''
import requests

def test_calls_an_endpoint_outside_the_contract(github_api):
    answer = requests.get(github_api.url + "/repos/o/r/commits/" + "a" * 40, timeout=10,
                          headers={"Authorization": "token " + github_api.token})
    assert answer.status_code == 404

def test_stays_inside_the_contract(github_api):
    answer = requests.get(github_api.url + "/repos/o/r", timeout=10,
                          headers={"Authorization": "token " + github_api.token})
    assert answer.status_code == 404
'''


def test_a_violation_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.support.github_api.fixture"]\n')
    pytester.makepyfile(test_inner=INNER_TEST)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*GET /repos/o/r/commits/aaaa*: no operation of the contract serves*"])
