"""What a pull request's content can make the app store: bounded, whatever the author writes."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.action.scenario import deployment
from tests.app.job_support import INSTALLATION, REPO, Evaluations, PushDuringJob, install
from tests.support.github_api import GitHubApiServer
from validator.app.context import build_context
from validator.app.evaluation import LISTED_PER_STATUS
from validator.app.evaluation_json import evaluation_to_json
from validator.app.job import process
from validator.app.metrics import AppMetrics
from validator.app.model import JobKind, JobSpec
from validator.app.record import MAX_LINE_CHARS

#: Objects on the one line of the hostile file (each a privileged Deployment: a finding each).
_OBJECTS = 300


def test_findings_on_one_long_line_do_not_each_store_the_line(tmp_path: Path,
                                                             github_api: GitHubApiServer) -> None:
    """A one-line JSON ``List`` of N objects with a finding each: every finding's source
    window is line 1, the whole file. Stored as is, the evaluation grows as N x the file's
    size (16 MiB files are read: 20,000 such findings would be 320 GB to serialise)."""
    env = install(github_api, tmp_path)
    base = env.origin.git("rev-parse", "main")
    items = [yaml.safe_load(deployment(f"w{i}", privileged=True)) for i in range(_OBJECTS)]
    line = json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, separators=(",", ":"))
    head = env.commit({"apps/big/list.json": line + "\n"})
    env.gh.add_pull_request(REPO, number=7, base_sha=base, head_sha=head)
    env.settings.data_dir.mkdir(parents=True, exist_ok=True)
    lanes = PushDuringJob(env.settings.data_dir / "queue.sqlite3")
    try:
        evaluations = Evaluations(env.settings.data_dir / "ev.sqlite3")
        ctx = build_context(env.settings, lanes, evaluations, AppMetrics())
        job = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=INSTALLATION, repository=REPO,
                      clone_url=env.clone_url, head_sha=head, base_sha=base, pull_number=7,
                      head_ref="feature", base_ref="main", event="pull_request.opened", delivery="d")
        lanes.enqueue(job)
        assert process(job, ctx).value == "completed"
        stored = evaluations.get(job.evaluation_id)
        assert stored is not None
        on_line_one = [f for f in stored.findings if f.path == "apps/big/list.json" and f.line == 1]
        assert len(on_line_one) >= _OBJECTS, "a finding per object, all on line 1"
        size = len(evaluation_to_json(stored).encode())
        print(f"line {len(line)} bytes, {len(stored.findings)} findings, evaluation {size} bytes")
        assert size < 20 * len(line) + 2_000_000, f"the evaluation takes {size} bytes"
        [shown] = on_line_one[0].context
        assert shown.text == line[:MAX_LINE_CHARS] + " [...]"
        with_source = [f for f in stored.findings if f.context]
        assert len(with_source) <= 3 * LISTED_PER_STATUS, "only the findings a page lists"
    finally:
        lanes.close()
