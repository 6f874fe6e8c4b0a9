"""Evaluate a run's documents against its Rego policies: the one entry point of the package.

Steps: find the policy and data files; start a local OPA that loads the policy files
at startup (or use ``--opa-url`` and push every module there under a run-unique id
prefix, retrying modules whose imports were not there yet); write the data; read the
module ASTs back through the REST API for namespaces, rule names and
METADATA; push the generated wrapper; evaluate the documents in bounded batches,
streamed and queried concurrently (see :mod:`validator.policy.query`); turn the
values into findings as each batch is answered, and the objects of a failed query
into ``policy/not-evaluated`` errors. On a shared server the pushed modules and data
are removed afterwards.

What stops the run (:class:`~validator.errors.PolicyError`, exit code 2) is a defect of
the trusted policies or configuration found before any object is evaluated: a policy
that does not compile, unreadable data, no rule to evaluate, an OPA that does not
start. Whatever happens while objects are evaluated (a timeout, an error OPA answers
with, OPA dying) costs only the objects of the failed query.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from validator.errors import PolicyError
from validator.load import Document
from validator.model import Finding, Rule, Skipped, sort_findings
from validator.policy.client import OpaSession
from validator.policy.metadata import RuleInfo, rule_info
from validator.policy.modules import PolicyModule, is_checked_rule, parse_module, select_namespaces
from validator.policy.query import NotEvaluated, cut_batches, evaluate_batches
from validator.policy.results import NOT_EVALUATED, findings_for, not_evaluated_findings
from validator.policy.server import local_opa_server
from validator.policy.settings import PolicySettings
from validator.policy.sources import load_data, policy_files
from validator.policy.wrapper import NamespacePlan, wrapper_module

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PolicyResult:
    """What evaluating the policies produced."""

    findings: tuple[Finding, ...]
    """Policy findings, sorted."""
    rules: tuple[Rule, ...]
    """Metadata of every evaluated rule (for SARIF and help links)."""
    skipped: tuple[Skipped, ...] = ()
    """Rule results dropped by ``exception`` rules, one entry per input and rule."""


@contextlib.contextmanager
def opa_session(settings: PolicySettings, *, run_id: str, policy_files: Sequence[str],
                root: Path) -> Iterator[OpaSession]:
    """A session with ``settings.opa_url``, or with a local server started for the block.

    A local server loads ``policy_files`` (relative to ``root``) at startup; anything
    else is pushed by the caller (:func:`_push_policies`).
    """
    prefix = f"gitops-validator/{run_id}/"
    if settings.opa_url:
        session = OpaSession(settings.opa_url, token=settings.opa_token,
                             timeout=settings.timeout, id_prefix=prefix)
        try:
            yield session
        finally:
            session.close()
        return
    with local_opa_server(rego_version=settings.rego_version, policy_files=policy_files,
                          cwd=root, allow_network=settings.allow_network,
                          memory_limit=settings.memory_limit) as server:
        session = OpaSession(server.url, token=server.token, timeout=settings.timeout,
                             describe_exit=lambda: server.exit_reason(wait=1.0), id_prefix=prefix)
        for display in policy_files:
            session.register(display.lstrip("/"), display)
        try:
            yield session
        finally:
            session.close()


def _push_policies(session: OpaSession, texts: dict[str, str], pushed: list[str]) -> None:
    """Push every module; retry the failing ones while others succeed (imports in any order).

    Modules that import nothing from ``data`` (libraries, usually) go first, so that
    retries are rare.
    """
    pending = {d: texts[d] for d in sorted(texts, key=lambda d: ("import data." in texts[d], d))}
    while pending:
        errors: dict[str, list[dict[str, object]]] = {}
        for display, text in pending.items():
            problems = session.push_policy(session.policy_id(display), text)
            if problems:
                errors[display] = problems
            else:
                pushed.append(session.policy_id(display))
        parse_failed = any(p.get("code") == "rego_parse_error" for ps in errors.values() for p in ps)
        if errors and (len(errors) == len(pending) or parse_failed):
            raise PolicyError("; ".join(session.describe_errors({"errors": problems}, display)
                                        for display, problems in errors.items()))
        pending = {display: texts[display] for display in errors}
        if pending:
            _LOGGER.debug("Retrying %d policies that failed before others were loaded",
                          len(pending))


def _read(files: dict[str, Path]) -> dict[str, str]:
    texts = {}
    for display, file in files.items():
        try:
            texts[display] = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"cannot read policy {display}: {exc}") from exc
    return texts


def _require_rules(plans: Sequence[NamespacePlan], modules: Sequence[PolicyModule],
                   settings: PolicySettings) -> None:
    """A run that would evaluate no rule at all is a misconfiguration, never a silent pass."""
    if any(plan.rules for plan in plans):
        return
    checked = sorted({m.namespace for m in modules
                      if any(is_checked_rule(name) for name in m.rule_lines)})
    asked = "every package" if settings.all_namespaces else ", ".join(settings.namespaces)
    hint = (f"packages with rules: {', '.join(checked)}; select them with --namespace "
            "(globs such as 'k8s.*' work) or --all-namespaces" if checked else
            "no package has deny, violation or warn rules")
    raise PolicyError(f"no deny, violation or warn rule to evaluate in the policies for "
                      f"namespace {asked} ({hint})")


def _plan(namespaces: Sequence[str], modules: Sequence[PolicyModule]
          ) -> tuple[list[NamespacePlan], dict[tuple[str, str], RuleInfo]]:
    plans = []
    infos: dict[tuple[str, str], RuleInfo] = {}
    for namespace in namespaces:
        in_ns = [m for m in modules if m.namespace == namespace]
        names = sorted({name for m in in_ns for name in m.rule_lines if is_checked_rule(name)})
        plans.append(NamespacePlan(
            namespace=namespace, package=in_ns[0].package if in_ns else (), rules=tuple(names),
            has_exception=any("exception" in m.rule_lines for m in in_ns)))
        for name in names:
            infos[(namespace, name)] = rule_info(namespace, name, in_ns)
    return plans, infos


def _load(session: OpaSession, settings: PolicySettings, *, texts: dict[str, str],
          pushed: list[str], run_id: str
          ) -> tuple[tuple[str, ...], list[NamespacePlan], dict[tuple[str, str], RuleInfo]]:
    """Push ``texts`` (policies the server did not load at startup) and the wrapper;
    return the wrapper's package, the plans and the rule infos."""
    _push_policies(session, texts, pushed)
    modules = [parse_module(display, entry) for entry in session.list_policies()
               if (display := session.display_name(str(entry.get("id", "")))) is not None]
    namespaces = select_namespaces(modules, settings.namespaces,
                                   all_namespaces=settings.all_namespaces)
    plans, infos = _plan(namespaces, modules)
    _require_rules(plans, modules, settings)
    package = ("gitops_validator", f"run_{run_id}")
    # Outside the run's policy ids, so that no policy file can have its id.
    wrapper_id = f"gitops-validator/{run_id}.query/wrapper.rego"
    problems = session.push_policy(wrapper_id, wrapper_module(package, plans))
    if problems:
        raise PolicyError(session.describe_errors({"errors": problems}, "internal wrapper policy"))
    pushed.append(wrapper_id)
    return package, plans, infos


@dataclass(frozen=True, kw_only=True)
class PolicyEngine:
    """Policies loaded once into one OPA (one start, one compile, the data written once) and
    evaluated for several document sets: ``diff`` evaluates its base and its head with one
    engine. :meth:`evaluate` may be called from several threads at once (each call's
    batches are queried concurrently anyway; the session is shared, the wrapper is read-only).
    """

    session: OpaSession
    package: tuple[str, ...]
    plans: tuple[NamespacePlan, ...]
    infos: Mapping[tuple[str, str], RuleInfo]
    combine: bool

    @classmethod
    @contextlib.contextmanager
    def open(cls, settings: PolicySettings, *, root: Path) -> Iterator[PolicyEngine]:
        """The engine of ``settings``' policies (display paths relative to ``root``), for the
        block; raises :class:`PolicyError` as :func:`evaluate_policies` does."""
        files = policy_files(settings.policy_dirs, root=root)
        # A local server loads the files itself, except paths with ":" (OPA's prefix syntax).
        at_startup = [] if settings.opa_url else [d for d in files if ":" not in d]
        texts = _read({d: path for d, path in files.items() if d not in at_startup})
        data = load_data(settings.data_paths)
        run_id = secrets.token_hex(6)
        _LOGGER.debug("Loading %d policies", len(files))
        with opa_session(settings, run_id=run_id, policy_files=at_startup, root=root) as session:
            pushed: list[str] = []
            try:
                session.write_data(data)
                package, plans, infos = _load(session, settings, texts=texts, pushed=pushed,
                                              run_id=run_id)
                yield cls(session=session, package=package, plans=tuple(plans), infos=infos,
                          combine=settings.combine)
            finally:
                if settings.opa_url:  # a shared server: leave it as we found it
                    for policy_id in reversed(pushed):
                        session.delete_policy(policy_id)
                    session.delete_data(list(data))

    def evaluate(self, documents: Sequence[Document], *, root: Path) -> PolicyResult:
        """Findings of ``documents`` (paths relative to ``root``)."""
        _LOGGER.debug("Evaluating %d documents", len(documents))
        return _evaluate(self.session, documents, root=root, combine=self.combine,
                         package=self.package, plans=list(self.plans), infos=self.infos)


def _evaluate(session: OpaSession, documents: Sequence[Document], *, root: Path, combine: bool,
              package: tuple[str, ...], plans: list[NamespacePlan],
              infos: Mapping[tuple[str, str], RuleInfo]) -> PolicyResult:
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    rules = {info.rule_id: info.to_rule() for info in infos.values()}
    batches = cut_batches(documents, root=root, combine=combine)
    for outcome in evaluate_batches(session, package, batches, workers=os.cpu_count() or 1):
        batch = outcome.batch
        if isinstance(outcome, NotEvaluated):
            _LOGGER.warning("%d objects not evaluated: %s", len(batch.documents), outcome.reason)
            findings += not_evaluated_findings(batch.documents, outcome.reason)
            rules[NOT_EVALUATED.id] = NOT_EVALUATED
            continue
        inputs: Sequence[Document | None] = (None,) if batch.combined else batch.documents
        for index, document in enumerate(inputs):
            found, excepted = findings_for(document, document.path if document else "Combined",
                                           outcome.values.get(str(index)) or {}, plans, infos)
            findings += found
            skipped += excepted
    return PolicyResult(findings=sort_findings(findings), rules=tuple(rules.values()),
                        skipped=tuple(skipped))


def evaluate_policies(documents: Sequence[Document], settings: PolicySettings, *,
                      root: Path) -> PolicyResult:
    """Evaluate ``documents`` against the policies of ``settings``; paths relative to ``root``.

    Raises :class:`~validator.errors.PolicyError` when the policies cannot be loaded (a
    compile error, no rule to run, OPA not starting) or a result has no ``msg``; a failed
    query (timeout, conflicting values, OPA gone) costs only its objects, which get
    ``policy/not-evaluated`` findings (see the module docstring).
    """
    with PolicyEngine.open(settings, root=root) as engine:
        return engine.evaluate(documents, root=root)
