"""The details page in a real browser: headless Chromium (Debian's package) driven by Selenium
through the system chromedriver, the page served by the blueprint on a loopback port, the
evaluation made from a real ``diff`` run. Checks what a reviewer sees, not the HTML text, and
saves a screenshot (the test's tmp folder, and ``/work/notes/details-screenshot.png`` when that
folder exists) to look at."""

from __future__ import annotations

import base64
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask
import pytest
from werkzeug.serving import make_server

from tests.app.details_run import details_run
from validator.app.details import details_blueprint
from validator.app.evaluations_sqlite import SqliteEvaluations

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
NOTES = Path("/work/notes")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)")

from selenium import webdriver  # noqa: E402 - only where the skip above did not apply
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402


@contextmanager
def _served(app: flask.Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="details-page-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=60)
        server.server_close()


def _processes_using(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (this test's own profile folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in command:
            found.append(int(entry.name))
    return found


@contextmanager
def _chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver and browser: Selenium Manager has nothing to look up or download
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        deadline = time.monotonic() + 60
        while _processes_using(str(profile)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_using(str(profile)) == [], "chromium left processes behind"


def _whole_page(browser: WebDriver) -> bytes:
    """A PNG of the whole page from its top, whatever is scrolled into view."""
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 10_000), "scale": 1}})
    return base64.b64decode(shot["data"])


def _texts(elements: list[WebElement]) -> list[str]:
    return [element.text for element in elements]


def test_a_reviewer_sees_findings_by_file_with_their_source_and_the_diff(tmp_path: Path) -> None:
    run = details_run(tmp_path / "repo")
    evaluation = run.evaluation
    store = SqliteEvaluations(tmp_path / "evaluations.sqlite3")
    store.save(evaluation)
    app = flask.Flask(__name__)
    app.register_blueprint(details_blueprint(store))
    privileged = next(f for f in evaluation.findings if f.status == "new" and f.rule == "K8S-001")
    assert privileged.line is not None
    screenshot = tmp_path / "details.png"
    try:
        with _served(app) as url, _chromium(tmp_path / "profile") as browser:
            browser.get(f"{url}/evaluations/{evaluation.id}")
            assert "octo-org/gitops #7" in browser.title
            heading = browser.find_element(By.TAG_NAME, "h1").text
            assert evaluation.head_sha[:12] in heading
            state = browser.find_element(By.CSS_SELECTOR, "p.state")
            assert "findings block this pull request" in state.text
            counts = browser.find_element(By.CSS_SELECTOR, "table.counts").text.split()
            news = sum(f.status == "new" for f in evaluation.findings)
            assert counts[:3] == ["new", "existing", "fixed"]
            assert counts[3] == str(news)

            # new findings: visible under their file, the finding's source line marked
            files = [h.text for h in browser.find_elements(By.TAG_NAME, "h3") if h.is_displayed()]
            assert files[0] == "apps/cart.yaml"
            new = _texts(browser.find_elements(By.CSS_SELECTOR, "li.finding.new"))
            assert len(new) == news
            assert any("container 'cart' runs privileged" in text for text in new)
            marks = browser.find_elements(By.CSS_SELECTOR, "pre.source mark")
            marked = {m.find_element(By.CLASS_NAME, "num").text: m for m in marks if m.is_displayed()}
            assert str(privileged.line) in marked
            assert "privileged: true" in marked[str(privileged.line)].text
            # the page's own stylesheet applies (the CSP allows it by its hash): marks are whole lines
            assert marked[str(privileged.line)].value_of_css_property("display") == "block"

            # existing findings: collapsed, opened by the native <details> (no script)
            existing = browser.find_element(By.ID, "existing")
            hidden = existing.find_elements(By.CSS_SELECTOR, "li.finding")
            assert hidden
            assert not any(item.is_displayed() for item in hidden)
            existing.find_element(By.TAG_NAME, "summary").click()
            assert all(item.is_displayed() for item in hidden)
            assert any("hostNetwork" in item.text for item in hidden)

            # fixed: the base's finding, without source lines
            fixed_heading = browser.find_element(By.ID, "fixed")
            assert fixed_heading.is_displayed()
            fixed = browser.find_elements(By.CSS_SELECTOR, "li.finding.fixed")
            assert len(fixed) == 1
            assert "container 'shop' runs privileged" in fixed[0].text

            # the rendered diff, line by line
            added = _texts(browser.find_elements(By.CSS_SELECTOR, "pre.diff span.add"))
            removed = _texts(browser.find_elements(By.CSS_SELECTOR, "pre.diff span.del"))
            assert "+          privileged: false" in added
            assert "-          privileged: true" in removed
            plus = browser.find_element(By.CSS_SELECTOR, "pre.diff span.add")
            assert plus.value_of_css_property("background-color") == "rgba(230, 255, 236, 1)"
            versions = browser.find_element(By.CSS_SELECTOR, "h2#versions ~ table")
            assert "opa" in versions.text
            assert evaluation.versions["policies"] in versions.text
            link = browser.find_element(By.LINK_TEXT, "The check run on GitHub")
            assert link.get_attribute("href") == evaluation.check_run_url

            assert browser.find_elements(By.TAG_NAME, "script") == []
            logged = browser.get_log("browser")  # type: ignore[no-untyped-call]
            refused = [entry["message"] for entry in logged
                       if "Content Security Policy" in entry["message"]]
            assert refused == []
            screenshot.write_bytes(_whole_page(browser))
    finally:
        store.close()
    assert screenshot.stat().st_size > 10_000
    if NOTES.is_dir() and os.access(NOTES, os.W_OK):
        shutil.copyfile(screenshot, NOTES / "details-screenshot.png")


def test_an_unknown_evaluation_is_a_readable_404_page(tmp_path: Path) -> None:
    store = SqliteEvaluations(tmp_path / "evaluations.sqlite3")
    app = flask.Flask(__name__)
    app.register_blueprint(details_blueprint(store))
    try:
        with _served(app) as url, _chromium(tmp_path / "profile") as browser:
            browser.get(f"{url}/evaluations/0123456789abcdef0123")
            assert browser.find_element(By.TAG_NAME, "h1").text == "No evaluation here"
            assert "retention" in browser.find_element(By.TAG_NAME, "p").text
    finally:
        store.close()
