"""``check --output markdown``: the markdown reporter is one of the CLI's formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_check_cli import VALID, WRONG_TYPE, invoke


def test_check_prints_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "apps").mkdir()
    (root / "apps" / "ok.yaml").write_text(VALID)
    (root / "apps" / "bad.yaml").write_text(WRONG_TYPE)
    code, stdout, _ = invoke("check", str(root), "--output", "markdown", "--no-policy",
                             "--no-progress")
    assert code == 1
    assert stdout.startswith("## gitops-validator: 1 finding (1 error)\n")
    assert "#### `apps/bad.yaml`" in stdout
    assert "- **error** `schema/type` line 6:" in stdout
