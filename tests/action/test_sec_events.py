"""Security: what the event names as commits is a bare SHA, nothing after it.

The SHAs of the event go to ``git fetch``, ``git cat-file`` and the check-run API; ``$`` in a
pattern also matches before a final newline, so a SHA followed by one was taken."""

from __future__ import annotations

import pytest

from tests.action import payloads
from validator.action.events import EventError, job_for_event

SHA = "c" * 40


@pytest.mark.parametrize("suffix", ["\n", "\n--upload-pack=touch /tmp/x"])
def test_a_sha_with_a_trailing_line_is_refused(suffix: str) -> None:
    with pytest.raises(EventError, match="is not a commit SHA"):
        job_for_event("pull_request_target", payloads.pull_request("opened", base=SHA, head=SHA + suffix),
                      sha=SHA)
    with pytest.raises(EventError, match="is not a commit SHA"):
        job_for_event("workflow_dispatch", {}, sha=SHA + suffix)
