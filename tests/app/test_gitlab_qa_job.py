"""QA: a worker whose ``GITLAB_URL`` is not the instance's root.

An instance served under a path (``https://example.com/gitlab``) configured as
``https://example.com``, or the reverse, makes every API call a 404. The job's error said
"the project was deleted, or GITLAB_TOKEN cannot see it" and sent the operator after the
token; it also names ``GITLAB_URL`` and the URL it called."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.app.gitlab_job_support import add_project, context
from tests.support.gitlab_api import GitLabApiServer
from validator.app.gitlab_job import GitLabAccessError
from validator.app.job import process


@pytest.fixture
def srv() -> Iterator[GitLabApiServer]:
    with GitLabApiServer() as server:
        yield server


def test_a_404_names_gitlab_url_and_the_api_it_called(tmp_path: Path, srv: GitLabApiServer) -> None:
    project = add_project(srv, tmp_path)
    _, head, iid = project.privileged_merge_request()
    wrong = srv.url + "/gitlab"
    project = replace(project, settings=replace(project.settings, gitlab_url=wrong))
    ctx, lanes, _ = context(project)
    try:
        job = project.job(head=head, iid=iid)
        lanes.enqueue(job)
        with pytest.raises(GitLabAccessError) as caught:
            process(job, ctx)
    finally:
        lanes.close()
    message = str(caught.value)
    assert "cannot see the project" in message
    assert f"GITLAB_URL ({wrong}" in message
    assert f"{wrong}/api/v4" in message
