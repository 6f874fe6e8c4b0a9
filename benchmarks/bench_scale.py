"""Scale: time and peak memory of the whole process tree at 50,000 objects, against peers.

Run: ``python -m benchmarks.bench_scale [--objects 50000] [--million] [--keep DIR]``.
Generates ``--objects`` manifests (:func:`benchmarks.corpus.generate_corpus`, 8 per
file) and 30 policies (the bundled library's 16 rules in ``k8s.*`` and 14 of
:mod:`benchmarks.bench_policy`'s rules in ``main``), then runs once each, sampling the
memory of the process and all its descendants (:mod:`benchmarks.tree_memory`):

- ``gitops-validator check`` with schemas and the 30 policies (the target: at most
  2 GiB for the tree and 60 s on a 2-core machine at 50,000 objects);
- the same with ``--no-policy`` and with ``--no-schema``, to see which stage costs what;
- ``kubeconform -strict -summary`` (schemas) and ``conftest test`` (the 30 policies)
  on the same files, as the peers the ratios are against.

``--million`` adds the loader's worst case: one file of 1,000,000 small documents
(generated in the temporary folder, never committed), checked with schemas only.
Nothing is asserted: figures are read, not tested.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_policy import CONTAINER_RULES, OBJECT_RULES, write_policies
from benchmarks.corpus import generate_corpus
from benchmarks.tree_memory import MIB, Measured, measure
from validator import process
from validator.schema import SchemaCatalog, SchemaSettings
from validator.tools import Tool, require_tool

REPO = Path(__file__).resolve().parent.parent
#: Rules of bench_policy written beside the library (16 + 14 = 30 policies).
EXTRA_CONTAINER_RULES = 8
EXTRA_OBJECT_RULES = 6
TIMEOUT = 1800.0


def write_scale_policies(dest: Path) -> int:
    """The bundled library plus 14 bench rules in ``dest``; return how many rule files."""
    shutil.copytree(REPO / "policies", dest / "library",
                    ignore=shutil.ignore_patterns("*_test.rego", "*.md"))
    library = sum(1 for p in (dest / "library").rglob("*.rego") if "lib" not in p.parts)
    bench = dest / "bench"
    write_policies(bench)
    keep = {rule for rule, _, _ in CONTAINER_RULES[:EXTRA_CONTAINER_RULES]}
    keep |= {rule for rule, _, _ in OBJECT_RULES[:EXTRA_OBJECT_RULES]}
    for file in bench.glob("*.rego"):
        if file.stem not in keep:
            file.unlink()
    return library + len(keep)


def write_million(dest: Path, count: int = 1_000_000) -> Path:
    """One file of ``count`` small ConfigMaps."""
    dest.mkdir(parents=True, exist_ok=True)
    file = dest / "million.yaml"
    with file.open("w") as out:
        for number in range(count):
            out.write(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{number}\n"
                      f"  namespace: scale\ndata:\n  key: value-{number}\n")
    return file


def _check(corpus: Path, report: Path, cache: Path, *extra: str) -> process.Command:
    return process.Command(
        args=(sys.executable, "-m", "validator", "check", "--no-progress", "--strict",
              "-o", f"json={report}", "--root", str(corpus), *extra, str(corpus)),
        env={"XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO),
             **{k: v for k, v in os.environ.items() if k.startswith("GITOPS_VALIDATOR_")}},
        cwd=corpus, ok_codes=frozenset({0, 1}), timeout=TIMEOUT)


def _policy_args(policies: Path) -> tuple[str, ...]:
    return ("--policy", str(policies), "--namespace", "main", "--namespace", "k8s.*")


def _line(label: str, run: Measured, reference: Measured | None = None, note: str = "") -> str:
    ratio = (f"  {run.seconds / reference.seconds:5.2f}x time "
             f"{run.peak_pss / max(reference.peak_pss, 1):5.2f}x memory") if reference else ""
    return (f"{label:40} {run.seconds:7.1f} s (cpu {run.cpu_seconds:6.1f} s)  peak tree RSS "
            f"{run.peak_rss / MIB:6.0f} MiB, PSS {run.peak_pss / MIB:6.0f} MiB "
            f"({run.peak_processes} procs, {_exit(run)}){ratio}  {note}")


def _exit(run: Measured) -> str:
    return "stopped at the timeout" if run.returncode is None else f"exit {run.returncode}"


def _findings(report: Path) -> str:
    try:
        findings = json.loads(report.read_text())["findings"]
    except (OSError, ValueError, KeyError):
        return "no report"
    engines: dict[str, int] = {}
    for finding in findings:
        engines[finding["engine"]] = engines.get(finding["engine"], 0) + 1
    return ", ".join(f"{engine} {count}" for engine, count in sorted(engines.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=50_000)
    parser.add_argument("--million", action="store_true",
                        help="also check one file of 1,000,000 documents (schemas only)")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    corpus, policies, cache = work / "corpus", work / "policies", work / "cache"
    try:
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(policies, ignore_errors=True)
        (corpus / ".git").mkdir(parents=True)
        objects = generate_corpus(corpus, files=max(1, args.objects // 8), docs_per_file=8)
        rules = write_scale_policies(policies)
        print(f"{objects} objects in {max(1, args.objects // 8)} files, {rules} policies, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
        with SchemaCatalog(SchemaSettings(strict=True, cache_dir=cache / "gitops-validator" /
                                          "schemas")) as catalog:
            location = catalog.kubernetes.template()
        report = work / "report.json"
        # warm the schema cache so that every run starts alike
        measure(_check(corpus, report, cache, "--no-policy"))
        runs = {
            "check: schemas + policies": _check(corpus, report, cache, *_policy_args(policies)),
            "check: schemas only (--no-policy)": _check(corpus, report, cache, "--no-policy"),
            "check: policies only (--no-schema)": _check(corpus, report, cache, "--no-schema",
                                                         *_policy_args(policies)),
        }
        print("check first, then the peers; each line as it finishes, the ratios at the end", flush=True)
        results = {}
        for label, command in runs.items():
            report.unlink(missing_ok=True)
            results[label] = (measure(command), _findings(report))
            print(_line(label, results[label][0], None, results[label][1]), flush=True)
        kubeconform = measure(process.Command(
            args=(str(require_tool(Tool.KUBECONFORM)), "-strict", "-summary",
                  "-kubernetes-version", "1.35.0", "-schema-location", location, str(corpus)),
            ok_codes=frozenset({0, 1}), timeout=TIMEOUT))
        print(_line("kubeconform -strict (schemas)", kubeconform), flush=True)
        conftest = measure(process.Command(
            args=(str(require_tool(Tool.CONFTEST)), "test", "--no-color", "--output", "json",
                  "--policy", str(policies), "--namespace", "main", "--namespace", "k8s.*",
                  str(corpus)), cwd=corpus, ok_codes=frozenset({0, 1}), timeout=TIMEOUT))
        print(_line("conftest test (policies)", conftest), flush=True)
        print()
        references = {"check: schemas only (--no-policy)": kubeconform,
                      "check: policies only (--no-schema)": conftest}
        for label, (run, note) in results.items():
            print(_line(label, run, references.get(label), note))
        print(_line("kubeconform -strict (schemas)", kubeconform))
        print(_line("conftest test (policies)", conftest))
        both = results["check: schemas + policies"][0]
        print(f"check (schemas + policies) against kubeconform and conftest one after the other: "
              f"{both.seconds / (kubeconform.seconds + conftest.seconds):.2f}x time, "
              f"{both.peak_pss / max(kubeconform.peak_pss, conftest.peak_pss):.2f}x peak PSS")
        if args.million:
            big = write_million(work / "million")
            (big.parent / ".git").mkdir(exist_ok=True)
            report.unlink(missing_ok=True)
            run = measure(_check(big.parent, report, cache, "--no-policy"))
            print(_line("check: 1,000,000 documents in one file", run, None, _findings(report)))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
