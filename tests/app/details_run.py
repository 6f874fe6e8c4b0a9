"""An evaluation built from a real ``diff`` run, as the job builds it: a small git repository
(one finding fixed, one existing, one new), ``run_diff`` on the bundled policies and a real
OPA, the result as an :class:`~validator.scm.outcome.Outcome`, then :func:`evaluation_of`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.change.gitrepo import GitRepo
from tests.scm.github.scenario import POLICIES, deployment
from validator.action.history import head_lines_reader
from validator.app.evaluation import Evaluation, EvaluationState
from validator.app.model import JobKind, JobSpec
from validator.app.record import evaluation_of, versions_of
from validator.options import CheckOptions
from validator.report.diff_report import render_diff_report
from validator.report.options import OutputFormat, RenderOptions
from validator.scm.outcome import Outcome
from validator.service import DiffRequest, run_diff

REPOSITORY = "octo-org/gitops"
NUMBER = 7
CREATED = "2026-11-26T18:00:00+00:00"
FINISHED = "2026-11-26T18:00:04+00:00"


@dataclass(frozen=True, kw_only=True)
class DetailsRun:
    """The repository, the job and what came of it."""

    repo: GitRepo
    job: JobSpec
    outcome: Outcome
    evaluation: Evaluation
    head_text: dict[str, str]
    """The head's text of each file the run found something in."""


def details_run(root: Path) -> DetailsRun:
    """Base: ``apps/shop.yaml`` privileged with the host network. Head: shop no longer
    privileged (fixed), still on the host network (existing); ``apps/cart.yaml`` added,
    privileged (new)."""
    repo = GitRepo.init(root)
    repo.write("apps/shop.yaml", deployment("shop", privileged=True, host_network=True))
    base = repo.commit("base")
    shop = deployment("shop", privileged=False, host_network=True)
    cart = "# the cart <service> & friends\n" + deployment("cart", privileged=True)
    repo.write("apps/shop.yaml", shop)
    repo.write("apps/cart.yaml", cart)
    head = repo.commit("head")
    job = JobSpec(kind=JobKind.PULL_REQUEST, installation_id=1, repository=REPOSITORY,
                  clone_url=f"https://github.com/{REPOSITORY}.git", head_sha=head, base_sha=base,
                  pull_number=NUMBER, head_ref="feature", base_ref="main",
                  event="pull_request.synchronize", delivery="d-1")
    result = run_diff(DiffRequest(folder=repo.root, base=base, head=head, options=CheckOptions(
        policies=(POLICIES,), namespaces=("k8s.*",), jobs=1)))
    outcome = Outcome(report=result.report, blocking=result.exit_code() == 1,
                      markdown=render_diff_report(result, OutputFormat.MARKDOWN, RenderOptions()),
                      change=result.change, head_lines=head_lines_reader(repo.root, head))
    evaluation = evaluation_of(
        job, outcome, state=EvaluationState.COMPLETED, conclusion="failure",
        rendered_diff=result.diff.text(), versions=versions_of(result.report, trusted=base),
        created_at=CREATED, finished_at=FINISHED,
        check_run_url=f"https://github.com/{REPOSITORY}/runs/42")
    return DetailsRun(repo=repo, job=job, outcome=outcome, evaluation=evaluation,
                      head_text={"apps/shop.yaml": shop, "apps/cart.yaml": cart})
