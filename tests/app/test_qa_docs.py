"""QA of docs/app.md and ``serve --help`` against the running code: every route the app answers
is in the endpoints table with the path the app serves, and the details link the docs describe
is the one a check run carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from validator.app.details_link import link_key, page_path
from validator.app.services import AppServices, open_services
from validator.app.settings import AppSettings
from validator.app.web import create_app
from validator.cli.main import main

DOC = (Path(__file__).parents[2] / "docs" / "app.md").read_text(encoding="utf-8")


def _shape(path: str) -> str:
    """``/evaluations/<evaluation_id>/<signature>`` and ``/evaluations/<id>/<sig>`` alike."""
    return re.sub(r"<[^>]*>", "<>", path)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[AppServices]:
    opened = open_services(AppSettings(app_id=1, private_key="", webhook_secret="s",
                                       data_dir=tmp_path / "data"))
    yield opened
    opened.close()


def test_the_endpoints_table_lists_every_route_as_served(services: AppServices) -> None:
    served = {(method, _shape(rule.rule)) for rule in create_app(services).url_map.iter_rules()
              for method in rule.methods or () if method in {"GET", "POST"} and rule.endpoint != "static"}
    documented = {(m, _shape(p)) for m, p in re.findall(r"^\| `(GET|POST) (/[^`]*)` \|", DOC, re.MULTILINE)}
    assert served == documented


def test_the_documented_details_link_is_the_one_a_check_run_carries() -> None:
    path = page_path("ab" * 8, link_key("s"))
    assert re.fullmatch(r"/evaluations/(abab){4}/[0-9a-f]+", path)
    allowed = {"/evaluations/<>/<>", "/evaluations/*", "/evaluations/"}
    for match in re.finditer(r"/evaluations/[^`\s)]*", DOC):
        assert _shape(match.group()) in allowed, match.group()


def test_serve_help_names_the_details_path_as_served() -> None:
    text = " ".join(CliRunner().invoke(main, ["serve", "--help"]).output.split())
    assert "/evaluations/<id>/<signature>" in text
