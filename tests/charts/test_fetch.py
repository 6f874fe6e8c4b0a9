"""The fetch step against a real Helm repository on loopback (charts packaged by real helm)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.helm_repo import HelmRepo, helm_repository, package, write_chart
from validator.charts import ChartRequest, ChartsConfig, ChartSettings, FetchedChart, fetch_chart
from validator.charts.cache import ChartCache
from validator.charts.config import MAX_FETCHES, ChartRepository, LocalChart, chart_settings
from validator.model import Finding, Severity
from validator.process import run_args


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[HelmRepo]:
    with helm_repository(tmp_path / "served") as served:
        served.add(write_chart(tmp_path / "src", "demo", "1.2.3"))
        yield served


def _settings(tmp_path: Path, *urls: str, **config: object) -> ChartSettings:
    return ChartSettings(
        config=ChartsConfig(repositories=tuple(ChartRepository(url=u, name="local") for u in urls),
                            **config),  # type: ignore[arg-type]
        root=tmp_path / "checkout", cache_dir=tmp_path / "cache", environ={})


def _request(repo: HelmRepo, version: str = "1.2.3", chart: str = "demo") -> ChartRequest:
    return ChartRequest(repo_url=repo.url, chart=chart, version=version,
                        path="apps/demo/release.yaml", line=7)


def test_an_allowlisted_chart_is_fetched_once_then_served_from_the_cache(
        repo: HelmRepo, tmp_path: Path) -> None:
    started = time.monotonic()
    first = fetch_chart(_request(repo), _settings(tmp_path, repo.url + "/"))
    elapsed = time.monotonic() - started
    assert isinstance(first, FetchedChart), first
    assert "name: demo" in (first.path / "Chart.yaml").read_text()
    assert (first.path / "templates" / "configmap.yaml").is_file()
    assert not first.cached
    assert first.digest.startswith("sha256:")
    assert repo.requests == ["/index.yaml", "/demo-1.2.3.tgz"]
    print(f"fetch of demo-1.2.3 from the loopback repository: {elapsed * 1000:.0f} ms")

    again = fetch_chart(_request(repo), _settings(tmp_path, repo.url))  # a new run, same cache
    assert isinstance(again, FetchedChart)
    assert again.cached
    assert again.path == first.path
    assert again.digest == first.digest
    assert repo.requests == ["/index.yaml", "/demo-1.2.3.tgz"]  # no request at all


def test_a_repository_not_on_the_allowlist_is_not_fetched(repo: HelmRepo, tmp_path: Path) -> None:
    result = fetch_chart(_request(repo), _settings(tmp_path, "https://charts.example.com"))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-repository-not-allowed"
    assert result.severity is Severity.WARNING
    assert (result.location.path, result.location.line) == ("apps/demo/release.yaml", 7)
    for named in ("'demo'", "'1.2.3'", repo.url):
        assert named in result.message
    assert repo.requests == []


@pytest.mark.parametrize("version", ["^1.2.0", "~1.2", ">=1.0.0 <2.0.0", "1.x", "latest", "",
                                     "1.2"])
def test_a_version_that_is_not_one_exact_version_is_refused(
        repo: HelmRepo, tmp_path: Path, version: str) -> None:
    result = fetch_chart(_request(repo, version), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-version-not-pinned"
    assert f"version {version!r}" in result.message
    assert repo.requests == []


def test_an_archive_that_does_not_match_the_index_digest_is_refused_and_not_cached(
        repo: HelmRepo, tmp_path: Path) -> None:
    other = package(write_chart(tmp_path / "evil", "demo", "1.2.3",
                                templates={"x.yaml": "kind: Evil\n"}), tmp_path / "evil-out")
    repo.replace_archive(repo.folder / "demo-1.2.3.tgz", other.read_bytes())
    result = fetch_chart(_request(repo), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-digest-mismatch"
    assert "refused" in result.message
    again = fetch_chart(_request(repo), _settings(tmp_path, repo.url))
    assert isinstance(again, Finding)
    assert again.rule_id == "agent/chart-digest-mismatch"
    assert repo.requests.count("/demo-1.2.3.tgz") == 2  # nothing was cached


def test_a_download_over_the_size_limit_is_refused(repo: HelmRepo, tmp_path: Path) -> None:
    big = write_chart(tmp_path / "src2", "big", "1.0.0",
                      templates={"big.yaml": "# " + "x" * 200_000 + "\n"})
    repo.add(big)
    result = fetch_chart(_request(repo, "1.0.0", chart="big"),
                         _settings(tmp_path, repo.url, max_bytes=(repo.folder / "index.yaml")
                                   .stat().st_size + 100))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-too-large"
    assert "charts.max_bytes" in result.message
    assert repo.requests[-1] == "/big-1.0.0.tgz"  # the index fitted; the archive did not


def test_an_unknown_version_is_a_fetch_failure_naming_it(repo: HelmRepo, tmp_path: Path) -> None:
    result = fetch_chart(_request(repo, "9.9.9"), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "no version '9.9.9' of chart 'demo'" in result.message


def test_credentials_come_from_the_environment_and_go_only_to_the_repository(
        repo: HelmRepo, tmp_path: Path) -> None:
    repo.credentials = ("reader", "s3cret")
    settings = _settings(tmp_path, repo.url)
    denied = fetch_chart(_request(repo), settings)
    assert isinstance(denied, Finding)
    assert "HTTP 401" in denied.message
    assert "s3cret" not in denied.message
    environ = {"GITOPS_VALIDATOR_CHART_LOCAL_USERNAME": "reader",
               "GITOPS_VALIDATOR_CHART_LOCAL_PASSWORD": "s3cret"}
    fetched = fetch_chart(_request(repo), ChartSettings(
        config=settings.config, root=settings.root, cache_dir=settings.cache_dir, environ=environ))
    assert isinstance(fetched, FetchedChart), fetched
    assert repo.auth_headers[-1].startswith("Basic ")


def test_a_local_folder_configured_for_the_chart_is_used_without_network(
        repo: HelmRepo, tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    write_chart(checkout / "vendor", "demo", "1.2.3")
    settings = _settings(tmp_path, local=(LocalChart(repository=repo.url, chart="demo",
                                                     path="vendor/demo"),))
    result = fetch_chart(_request(repo), settings)
    assert isinstance(result, FetchedChart)
    assert result.local
    assert result.path == (checkout / "vendor" / "demo").absolute()
    assert repo.requests == []


def test_a_repository_that_does_not_answer_in_time_is_a_finding(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = fetch_chart(ChartRequest(repo_url=url, chart="demo", version="1.2.3",
                                          path="Chart.yaml", line=5),
                             _settings(tmp_path, url, timeout=0.5))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "timed out" in result.message or "time limit" in result.message


@pytest.mark.parametrize("chart", ["../../etc", "/etc/passwd", "a/b", "..", ""])
def test_a_chart_name_that_is_not_one_is_refused_before_any_request(
        repo: HelmRepo, tmp_path: Path, chart: str) -> None:
    result = fetch_chart(_request(repo, chart=chart), _settings(tmp_path, repo.url))
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "not a chart name" in result.message
    assert repo.requests == []


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_a_repository_that_answers_one_byte_at_a_time_is_stopped_at_the_time_limit(
        tmp_path: Path, stage: str) -> None:
    """``charts.timeout`` bounds the whole fetch, not each read: a server that sends a byte
    before every socket timeout would otherwise hold the run for hours."""
    stop = threading.Event()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"

        def drip() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\n" if stage == "headers" else
                             b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                if stage == "headers":
                    conn.sendall(b"X-Slow: ")
                while not stop.wait(0.1):
                    with contextlib.suppress(OSError):
                        conn.sendall(b"a")

        threading.Thread(target=drip, daemon=True).start()
        outcome: list[object] = []
        request = ChartRequest(repo_url=url, chart="demo", version="1.2.3", path="Chart.yaml",
                               line=5)
        fetching = threading.Thread(target=lambda: outcome.append(
            fetch_chart(request, _settings(tmp_path, url, timeout=1.0))), daemon=True)
        started = time.monotonic()
        fetching.start()
        fetching.join(timeout=8)
        elapsed = time.monotonic() - started
        stop.set()
    assert outcome, f"the fetch was still running after {elapsed:.1f} s (timeout: 1 s)"
    result = outcome[0]
    assert isinstance(result, Finding)
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "time limit" in result.message
    assert elapsed < 3


@contextlib.contextmanager
def _https_redirecting_to(target: str, folder: Path) -> Iterator[str]:
    """An HTTPS server on loopback (a certificate of its own, trusted through SSL_CERT_FILE by
    the caller) answering every request with a redirect to ``target`` + the path."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    run_args(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
              "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
              "-addext", "subjectAltName=IP:127.0.0.1"], timeout=60)

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_https_repository_is_never_followed_to_http(
        repo: HelmRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A redirect from the allowlisted https repository to plain http is refused: the index
    (and with it the digest the archive is checked against) would come unauthenticated."""
    (tmp_path / "tls").mkdir()
    with _https_redirecting_to(repo.url, tmp_path / "tls") as url:
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "tls" / "cert.pem"))
        result = fetch_chart(ChartRequest(repo_url=url, chart="demo", version="1.2.3",
                                          path="Chart.yaml", line=5), _settings(tmp_path, url))
    assert isinstance(result, Finding), result
    assert result.rule_id == "agent/chart-fetch-failed"
    assert "refused" in result.message
    assert repo.requests == []


@pytest.mark.parametrize("suffix", ["?", "#", "?x=1", "#top"])
def test_a_query_or_fragment_cannot_move_the_request_off_the_allowlisted_path(
        repo: HelmRepo, tmp_path: Path, suffix: str) -> None:
    """``<allowlisted>?`` compared equal once the query was dropped, but the index URL built
    from it resolved one folder up: ``https://x/stable?`` read ``https://x/index.yaml``."""
    url = f"{repo.url}/stable{suffix}"
    result = fetch_chart(ChartRequest(repo_url=url, chart="demo", version="1.2.3",
                                      path="Chart.yaml", line=5),
                         _settings(tmp_path, f"{repo.url}/stable"))
    assert isinstance(result, Finding), result
    assert result.rule_id == "agent/chart-repository-not-allowed"
    assert repo.requests == []


def test_a_cache_inside_the_checkout_is_never_used(
        repo: HelmRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute ``cache_dir`` that lies inside the checked repository (``/workspace/.cache``
    in CI) would let a change commit a cache entry: a planted chart served as the repository's.
    The user's cache folder is used instead."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    checkout = tmp_path / "checkout"
    planted = package(write_chart(tmp_path / "evil", "demo", "1.2.3",
                                  templates={"x.yaml": "kind: Planted\n"}), tmp_path / "evil-out")
    ChartCache(checkout / ".cache").store(_request(repo), planted.read_bytes(), max_bytes=1 << 20)
    settings = chart_settings(ChartsConfig(repositories=(ChartRepository(url=repo.url),),
                                           cache_dir=str(checkout / ".cache")), root=checkout)
    result = fetch_chart(_request(repo), settings)
    assert isinstance(result, FetchedChart), result
    assert not (result.path / "templates" / "x.yaml").exists()
    assert repo.requests == ["/index.yaml", "/demo-1.2.3.tgz"]
    assert result.path.is_relative_to(tmp_path / "user-cache")


def test_one_run_makes_a_bounded_number_of_fetches(repo: HelmRepo, tmp_path: Path) -> None:
    """Each fetch is bounded, but a change naming thousands of chart versions (an umbrella's
    dependencies, Applications) would make as many index downloads: a run makes at most
    MAX_FETCHES, the rest are findings without a request."""
    settings = _settings(tmp_path, repo.url)
    results = [fetch_chart(_request(repo, version=f"0.0.{n}"), settings)
               for n in range(MAX_FETCHES + 5)]
    assert len(repo.requests) == MAX_FETCHES
    last = results[-1]
    assert isinstance(last, Finding)
    assert last.rule_id == "agent/chart-fetch-failed"
    assert f"no more than {MAX_FETCHES} per run" in last.message
    cached = fetch_chart(_request(repo), _settings(tmp_path, repo.url))  # a new run
    assert isinstance(cached, FetchedChart)
