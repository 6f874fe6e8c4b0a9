"""Policies-only speed: gitops-validator vs conftest on the same 2,000 documents and 24 policies.

Run: ``python -m benchmarks.bench_policy [--runs 3] [--keep DIR]``. Generates the
corpus (:func:`benchmarks.corpus.generate_corpus`: 250 files x 8 documents) and 24
policies (variants of common Kubernetes rules, with METADATA), then times, best of
``--runs``: ``gitops-validator check --no-schema --policy DIR CORPUS`` (the CLI), the same
with schema validation, the in-process entry (load + :func:`evaluate_policies`, with its
split) and
``conftest test --policy DIR CORPUS``. Prints wall times and ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.corpus import generate_corpus
from validator import process
from validator.load import Document, load_file
from validator.policy import PolicySettings, evaluate_policies
from validator.tools import Tool, require_tool

#: (rule, condition on a container ``c`` or on ``input``, message): one policy file each.
CONTAINER_RULES = [
    ("deny_latest_tag", 'endswith(c.image, ":latest")', "uses the latest tag"),
    ("deny_no_tag", 'not contains(c.image, ":")', "has no image tag"),
    ("deny_no_cpu_limit", "not c.resources.limits.cpu", "has no CPU limit"),
    ("deny_no_memory_limit", "not c.resources.limits.memory", "has no memory limit"),
    ("warn_no_cpu_request", "not c.resources.requests.cpu", "has no CPU request"),
    ("deny_root", "not c.securityContext.runAsNonRoot", "may run as root"),
    ("deny_writable_root", "not c.securityContext.readOnlyRootFilesystem",
     "has a writable root filesystem"),
    ("deny_escalation", "c.securityContext.allowPrivilegeEscalation != false",
     "allows privilege escalation"),
    ("deny_caps", 'not "ALL" in c.securityContext.capabilities.drop', "does not drop ALL caps"),
    ("warn_no_readiness", "not c.readinessProbe", "has no readiness probe"),
    ("warn_no_liveness", "not c.livenessProbe", "has no liveness probe"),
    ("deny_registry", 'not startswith(c.image, "registry.example.com/")',
     "pulls from an unapproved registry"),
    ("warn_pull_always", 'c.imagePullPolicy == "Always"', "always pulls its image"),
    ("deny_privileged", "c.securityContext.privileged == true", "is privileged"),
    ("warn_many_env", "count(object.get(c, \"env\", [])) > 8", "has more than 8 env vars"),
]
OBJECT_RULES = [
    ("deny_no_team", "not input.metadata.labels.team", "has no team label"),
    ("deny_no_namespace", "not input.metadata.namespace", "has no namespace"),
    ("warn_no_owner", 'not input.metadata.annotations["example.com/owner"]', "has no owner"),
    ("deny_no_part_of", 'not input.metadata.labels["app.kubernetes.io/part-of"]',
     "has no part-of label"),
    ("warn_single_replica", 'input.kind == "Deployment"; input.spec.replicas < 2',
     "runs a single replica"),
    ("deny_lb_service", 'input.kind == "Service"; input.spec.type == "LoadBalancer"',
     "is a LoadBalancer"),
    ("warn_ingress_tls", 'input.kind == "Ingress"; not input.spec.tls', "has no TLS"),
    ("deny_host_network", "input.spec.template.spec.hostNetwork == true", "uses the host network"),
    ("warn_cron_concurrency", 'input.kind == "CronJob"; not input.spec.concurrencyPolicy',
     "has no concurrency policy"),
]
WORKLOADS = '{"Deployment", "StatefulSet", "DaemonSet", "Job"}'


def write_policies(dest: Path) -> int:
    """Write one policy file per rule into ``dest``; return how many."""
    dest.mkdir(parents=True, exist_ok=True)
    for number, (rule, cond, text) in enumerate(CONTAINER_RULES):
        (dest / f"{rule}.rego").write_text(f"""package main

# METADATA
# title: Container {text}
# custom:
#   id: BENCH-{number:03d}
{rule} contains {{"msg": msg, "path": ["spec", "template", "spec", "containers", i]}} if {{
\tinput.kind in {WORKLOADS}
\tsome i, c in input.spec.template.spec.containers
\t{cond}
\tmsg := sprintf("%s %s: container %s {text}", [input.kind, input.metadata.name, c.name])
}}
""")
    for number, (rule, cond, text) in enumerate(OBJECT_RULES, start=len(CONTAINER_RULES)):
        body = "\n\t".join(part.strip() for part in cond.split(";"))
        (dest / f"{rule}.rego").write_text(f"""package main

# METADATA
# title: Object {text}
# custom:
#   id: BENCH-{number:03d}
{rule} contains msg if {{
\t{body}
\tmsg := sprintf("%s %s {text}", [input.kind, input.metadata.name])
}}
""")
    return len(CONTAINER_RULES) + len(OBJECT_RULES)


def best_of(runs: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def run_cli(corpus: Path, policies: Path, *, schema: bool = False) -> int:
    """``gitops-validator check`` (``--no-schema`` unless ``schema``); the number of policy findings."""
    cli = Path(sys.executable).with_name("gitops-validator")
    result = process.run(process.Command(
        args=(str(cli), "check", *(() if schema else ("--no-schema",)), "--no-progress",
              "--policy", str(policies), "--output", "json", str(corpus)),
        cwd=corpus, ok_codes=frozenset({0, 1}), timeout=600))
    return sum(1 for f in json.loads(result.stdout)["findings"] if f["engine"] == "policy")


def run_conftest(corpus: Path, policies: Path) -> int:
    """``conftest test``; return the number of failures and warnings it reported."""
    result = process.run(process.Command(
        args=(str(require_tool(Tool.CONFTEST)), "test", "--no-color", "--output", "json",
              "--policy", str(policies), str(corpus)), cwd=corpus,
        ok_codes=frozenset({0, 1}), timeout=600))
    return sum(len(c.get("failures") or []) + len(c.get("warnings") or [])
               for c in json.loads(result.stdout))


def load_corpus(corpus: Path) -> list[Document]:
    docs: list[Document] = []
    for file in sorted(corpus.rglob("*.yaml")):
        docs += load_file(file, display_path=file.relative_to(corpus).as_posix()).documents
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-policy-"))
    corpus, policies = work / "corpus", work / "policies"
    try:
        shutil.rmtree(corpus, ignore_errors=True)
        documents = generate_corpus(corpus)
        rules = write_policies(policies)
        settings = PolicySettings(policy_dirs=(policies,))
        docs = load_corpus(corpus)
        findings = len(evaluate_policies(docs, settings, root=corpus).findings)
        print(f"{documents} documents in 250 files, {rules} policies, {findings} findings")
        counts = {"cli": run_cli(corpus, policies), "conftest": run_conftest(corpus, policies)}
        assert counts == {"cli": findings, "conftest": findings}, counts
        load_s = best_of(args.runs, lambda: load_corpus(corpus))
        eval_s = best_of(args.runs, lambda: evaluate_policies(docs, settings, root=corpus))
        python_s = best_of(args.runs, lambda: evaluate_policies(
            load_corpus(corpus), settings, root=corpus))
        cli_s = best_of(args.runs, lambda: run_cli(corpus, policies))
        both_s = best_of(args.runs, lambda: run_cli(corpus, policies, schema=True))
        conftest_s = best_of(args.runs, lambda: run_conftest(corpus, policies))
        print(f"load only (python)            {load_s:7.2f} s")
        print(f"evaluate_policies only        {eval_s:7.2f} s")
        print(f"load + evaluate (python)      {python_s:7.2f} s  {python_s / conftest_s:5.2f}x")
        print(f"gitops-validator check (CLI), policies only     {cli_s:7.2f} s  "
              f"{cli_s / conftest_s:5.2f}x")
        print(f"gitops-validator check (CLI), schema + policies {both_s:7.2f} s  "
              f"{both_s / conftest_s:5.2f}x")
        print(f"conftest test                 {conftest_s:7.2f} s  1.00x")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
