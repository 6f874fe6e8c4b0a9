"""QA of ``/metrics`` as docs/app.md promises it for several processes: with
``PROMETHEUS_MULTIPROC_DIR`` set, every process of the app (gunicorn's, ``gitops-validator
worker``) writes its counts there and ``/metrics`` of any one of them adds them up. Real
processes, because prometheus_client chooses its multi-process mode when it is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

_COUNT = """
from validator.app.metrics import AppMetrics
metrics = AppMetrics()
metrics.deliveries.labels(event="pull_request", outcome="queued").inc()
metrics.jobs.labels(result="completed").inc()
metrics.job_duration.observe(1.5)
"""

_SCRAPE = """
import sys
from pathlib import Path
from validator.app.services import open_services
from validator.app.settings import AppSettings
from validator.app.web import create_app
services = open_services(AppSettings(app_id=1, private_key="", webhook_secret="s",
                                     data_dir=Path(sys.argv[1])))
services.metrics.deliveries.labels(event="pull_request", outcome="queued").inc()
sys.stdout.write(create_app(services).test_client().get("/metrics").get_data(as_text=True))
services.close()
"""


def _python(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_metrics_add_up_the_processes_sharing_the_multiprocess_folder(tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "PYTHONPATH": str(Path(__file__).parents[2])}
    _python(_COUNT, env)  # a worker process (its metrics have no endpoint of their own)
    _python(_COUNT, env)  # another one
    text = _python(_SCRAPE, env, str(tmp_path / "data"))
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("gitops_validator_deliveries_total",
                    (("event", "pull_request"), ("outcome", "queued")))] == 3.0
    assert samples[("gitops_validator_jobs_total", (("result", "completed"),))] == 2.0
    assert samples[("gitops_validator_job_duration_seconds_count", ())] == 2.0
    depth = [key for key in samples if key[0] == "gitops_validator_queue_depth"]
    assert depth == [("gitops_validator_queue_depth", ())], "one queue depth, not one per process"
    assert samples[depth[0]] == 0.0
