"""Every hostile case, beside a good and a known-bad manifest: the known-bad finding survives.

The CLI runs in a subprocess (the real helm, kustomize, opa and kubeconform) under an
address-space bound, so that a case that escapes the validator's own limits fails
this test instead of taking the machine down. Its environment points a kubeconfig and
the HTTP(S) proxies at a loopback listener, so that a render that reached for a cluster
or the network (a scrubbed environment regressing, ``lookup`` run against a cluster)
is recorded there; the test asserts that nothing connected.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
from pathlib import Path

import pytest

import tests.hostile
from tests.hostile.gallery import CASES, KNOWN_BAD_LINE, KNOWN_BAD_PATH, HostileCase, write_repository
from tests.support.listener import Listener, loopback_listener
from validator.process import Command, run

for _module in pkgutil.iter_modules(tests.hostile.__path__):
    if _module.name.startswith("cases_"):
        importlib.import_module(f"tests.hostile.{_module.name}")

#: The bound on the validator's own address space in the gallery (its children have their own).
GALLERY_MEMORY_BYTES = 6 * 1024**3
CASE_FOLDER = "case/"


def write_kubeconfig(path: Path, listener: Listener) -> Path:
    """A kubeconfig at ``path`` whose one cluster is ``listener``."""
    path.write_text(f"""\
apiVersion: v1
kind: Config
clusters: [{{name: gallery, cluster: {{server: "{listener.url}"}}}}]
users: [{{name: gallery, user: {{token: gallery-token}}}}]
contexts: [{{name: gallery, context: {{cluster: gallery, user: gallery}}}}]
current-context: gallery
""")
    return path


def check_repository(root: Path, case: HostileCase, *, env: dict[str, str] | None = None
                     ) -> tuple[int, dict[str, object], str, str]:
    """``check`` on ``root`` in a bounded subprocess: (exit code, JSON report, stdout, stderr)."""
    script = ("import resource, sys; "
              f"resource.setrlimit(resource.RLIMIT_AS, ({GALLERY_MEMORY_BYTES}, {GALLERY_MEMORY_BYTES})); "
              "from validator.cli import main; sys.exit(main())")
    policy = () if "--policy" in case.extra_args else ("--no-policy",)  # cases that bring policies
    args = (sys.executable, "-c", script, "check", str(root), "-o", "json", *policy,
            "--no-progress", *case.extra_args)
    environment = {"PYTHONPATH": os.pathsep.join(sys.path), **(env or {})}
    for name in ("GITOPS_VALIDATOR_TOOLS_DIR", "XDG_CACHE_HOME"):
        if name in os.environ:
            environment[name] = os.environ[name]
    result = run(Command(args=args, cwd=root, env=environment, timeout=240,
                         ok_codes=frozenset({0, 1, 2})))
    try:
        report = json.loads(result.stdout)
    except ValueError:
        report = {}
    return result.returncode, report, result.stdout.decode("utf-8", "replace"), result.stderr


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_bad_finding_survives_every_hostile_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    root = tmp_path / "repo"
    with loopback_listener() as listener:
        write_repository(root, case, listener=listener.url)
        env = {"KUBECONFIG": str(write_kubeconfig(tmp_path / "kubeconfig", listener)),
               "HTTP_PROXY": listener.url, "HTTPS_PROXY": listener.url,
               "http_proxy": listener.url, "https_proxy": listener.url,
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        code, report, stdout, stderr = check_repository(root, case, env=env)
    assert code == 1, f"exit {code}: {stderr[-2000:]}"
    assert "Traceback" not in stderr, stderr[-2000:]
    findings = report.get("findings")
    skipped = report.get("skipped")
    assert isinstance(findings, list), stderr[-2000:]
    assert isinstance(skipped, list), stderr[-2000:]
    known = [f for f in findings if (f["path"], f["line"], f["rule_id"]) == (
        KNOWN_BAD_PATH, KNOWN_BAD_LINE, "schema/type")]
    assert known, f"the known-bad finding is missing: {json.dumps(findings)[:2000]}"
    # a case that brings a policy may cost the good manifest its evaluation (a timed-out batch):
    # that is reported as policy/not-evaluated, never silently passed; anything else is wrong
    assert not [f for f in findings if f["path"].startswith("good/")
                and f["rule_id"] != "policy/not-evaluated"], findings
    # the case exercised what it claims: its own findings (or at least something) are reported
    in_case = [f for f in findings if f["path"].startswith(CASE_FOLDER)]
    if case.expect:
        reported = {f["rule_id"] for f in in_case}
        assert set(case.expect) <= reported, f"expected {case.expect}, got {json.dumps(in_case)[:2000]}"
    else:
        assert in_case or [s for s in skipped if s["path"].startswith(CASE_FOLDER)], (
            f"nothing reported about the case: {json.dumps(report)[:2000]}")
    leaked = [text for text in case.forbidden if text in stdout or text in stderr]
    assert not leaked, f"leaked into the report: {leaked}"
    assert listener.connections == [], listener.connections
