"""The app's Prometheus metrics (``GET /metrics``), on a registry of its own.

Counters are per process. With ``PROMETHEUS_MULTIPROC_DIR`` set (several gunicorn processes,
a ``gitops-validator worker`` beside them: docs/app.md) prometheus_client keeps every process's
values in files there, and :meth:`AppMetrics.exposition` adds them up, so ``/metrics`` of any
process shows the job metrics of workers that have no endpoint of their own. Names follow
Prometheus conventions (``_total``, ``_seconds``).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

#: prometheus_client's own variable: the folder every process of the app writes its values to.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

__all__ = ["AppMetrics"]


class AppMetrics:
    """One set of collectors on its own registry (a test or a process makes one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.deliveries = Counter(
            "gitops_validator_deliveries_total", "Webhook deliveries by event and outcome "
            "(queued, duplicate, coalesced, ignored, bad_signature, too_large, malformed, error).",
            ["event", "outcome"], registry=self.registry)
        self.queue_depth = Gauge(
            "gitops_validator_queue_depth", "Jobs queued or running.", registry=self.registry,
            multiprocess_mode="mostrecent")  # set by the scraping process: one value, not one per pid
        self.job_duration = Histogram(
            "gitops_validator_job_duration_seconds", "Time from a job's start to its check run's "
            "completion.", buckets=(0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600),
            registry=self.registry)
        self.conclusions = Counter(
            "gitops_validator_check_run_conclusions_total", "Check runs completed, by conclusion.",
            ["conclusion"], registry=self.registry)
        self.github_calls = Counter(
            "gitops_validator_github_api_calls_total", "GitHub API requests made.",
            registry=self.registry)
        self.rate_limit_waits = Counter(
            "gitops_validator_github_rate_limit_waits_total", "Waits for a GitHub rate limit or "
            "Retry-After.", registry=self.registry)
        self.gitlab_calls = Counter(
            "gitops_validator_gitlab_api_calls_total", "GitLab API requests made.",
            registry=self.registry)
        self.gitlab_rate_limit_waits = Counter(
            "gitops_validator_gitlab_rate_limit_waits_total", "Waits for a GitLab rate limit "
            "(429 with Retry-After or RateLimit-Reset).", registry=self.registry)
        self.jobs = Counter(
            "gitops_validator_jobs_total", "Jobs finished, by result (completed, skipped, "
            "cancelled, retried, poisoned).", ["result"], registry=self.registry)

    def exposition(self) -> bytes:
        """The Prometheus text of ``/metrics``: this process's collectors, or with
        ``PROMETHEUS_MULTIPROC_DIR`` the sum over every process writing to that folder."""
        if not os.environ.get(MULTIPROCESS_VARIABLE):
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in the library
        return generate_latest(registry)
