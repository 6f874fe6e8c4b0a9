"""The server libraries (Flask, PyGithub, python-gitlab, the app's metrics, WSGI server and
Redis queue) are extras: the CLI must run without importing them."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from validator.process import Command, run

_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_EXTRA_MODULES = ("flask", "github", "gitlab", "prometheus_client", "gunicorn", "dramatiq", "redis")


def test_the_cli_imports_no_module_of_an_extra() -> None:
    code = ("import sys, validator.cli.main, validator.service, validator.report.diff_report; "
            f"print(sorted(m for m in {_EXTRA_MODULES!r} if m in sys.modules))")
    result = run(Command(args=(sys.executable, "-c", code), timeout=60))
    assert result.stdout.decode().strip() == "[]"


def test_the_server_libraries_are_extras_that_dev_installs() -> None:
    project = tomllib.loads(_PYPROJECT.read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    assert not any(name in runtime for name in ("flask", "pygithub", "python-gitlab"))
    extras = project["optional-dependencies"]
    def names(extra: str) -> list[str]:
        return [d.split(">")[0] for d in extras[extra]]

    assert names("github") == ["PyGithub"]
    assert names("gitlab") == ["python-gitlab"]
    assert names("app") == ["Flask", "gitops-validator[github]", "prometheus-client", "gunicorn"]
    assert names("redis") == ["dramatiq[redis]", "redis"]
    assert "gitops-validator[app,github,gitlab,redis]" in extras["dev"]
