"""QA: inputs a person can type that Python's str methods accept but int() refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.action.test_env import _environ
from validator.action.env import ActionEnvironment, ActionInputError


@pytest.mark.parametrize("value", ["\u00b2", "1\u00b2", "\u2460", "\u0663", "9" * 5000])
def test_max_comments_that_is_no_ascii_number_is_an_input_error(tmp_path: Path, value: str) -> None:
    """``"²".isdigit()`` is true but ``int("²")`` raises: the bad input must be the one-line
    input error (which still completes the check run), never a traceback."""
    with pytest.raises(ActionInputError) as caught:
        ActionEnvironment.from_environ(_environ(tmp_path, **{"INPUT_MAX-COMMENTS": value}))
    assert "input `max-comments`" in str(caught.value)


def test_max_comments_in_ascii_digits_is_read(tmp_path: Path) -> None:
    env = ActionEnvironment.from_environ(_environ(tmp_path, **{"INPUT_MAX-COMMENTS": " 007 "}))
    assert env.inputs.max_comments == 7


@pytest.mark.parametrize("value", [".", "out/", "reports"])
def test_a_sarif_file_that_names_a_folder_is_an_input_error(tmp_path: Path, value: str) -> None:
    """``sarif-file: .`` wrote a temporary file next to the workspace (outside it), then
    failed after the check run was completed; a folder is refused with the other inputs."""
    (tmp_path / "reports").mkdir()
    with pytest.raises(ActionInputError) as caught:
        ActionEnvironment.from_environ(_environ(tmp_path, **{"INPUT_SARIF-FILE": value}))
    assert "input `sarif-file`" in str(caught.value)
