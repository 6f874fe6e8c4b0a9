"""Schema validation speed: the in-process engine against kubeconform on a 2,000-manifest corpus.

Run ``python benchmarks/bench_schema.py`` (``--files``/``--docs-per-file`` to resize).
It generates the corpus (:mod:`benchmarks.corpus`) into a temporary folder, warms
the schema cache once, then times, best of ``--repeat`` each:

- ``gitops-validator check --strict --no-policy`` with the in-process engine (the CLI
  when ``validator.cli`` exists, else a small Python entry: load + validate_schemas);
- the same with ``--schema-engine kubeconform``;
- ``kubeconform -strict -summary`` alone on the same files and schema location;
- a floor: Python loading every file with ``validator.load`` and nothing else;
- that load plus ``validate_schemas`` in a bare Python process (no CLI, no render stage).

It also measures the two candidate in-process libraries (jsonschema-rs and
python-jsonschema) on the corpus documents: compile time per schema and validation
time per document.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate_corpus
from validator.load import Document, LoadOptions, load_file
from validator.process import Command, run
from validator.schema import SchemaCatalog, SchemaSettings
from validator.schema.jsonvalue import json_text
from validator.tools import Tool, require_tool

FALLBACK_ENTRY = """
import sys
from pathlib import Path
from validator.load import LoadOptions, load_file
from validator.schema import SchemaEngineName, SchemaSettings, validate_schemas
root = Path(sys.argv[1])
docs = []
for path in sorted(root.rglob("*.yaml")):
    docs += load_file(path, display_path=path.relative_to(root).as_posix(),
                      options=LoadOptions(strict=True)).documents
result = validate_schemas(docs, SchemaSettings(strict=True, engine=SchemaEngineName(sys.argv[2])))
sys.exit(1 if result.findings else 0)
"""

PARSE_ONLY = """
import sys
from pathlib import Path
from validator.load import LoadOptions, load_file
root = Path(sys.argv[1])
for path in sorted(root.rglob("*.yaml")):
    load_file(path, display_path=path.name, options=LoadOptions(strict=True))
"""


def best_of(repeat: int, command: Command) -> tuple[float, float, bytes]:
    """Best wall and CPU (user + system) seconds of ``repeat`` runs, and the last output.

    CPU time is reported too because wall time on a shared 2-core machine swings
    with whatever else runs; CPU time swings much less.
    """
    walls, cpus = [], []
    output = b""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        output = run(command).stdout
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus), output


def schema_findings(output: bytes) -> list[tuple[str, int, str]]:
    """(path, line, rule) of the schema findings in a ``-o json`` report."""
    findings = json.loads(output)["findings"]
    return sorted((f["path"], f["line"], f["rule_id"]) for f in findings
                  if str(f["rule_id"]).startswith("schema/"))


def commands(corpus: Path, cache: Path) -> tuple[dict[str, Command], str]:
    env = {"XDG_CACHE_HOME": str(cache)}
    ok = frozenset({0, 1})
    python = sys.executable
    if importlib.util.find_spec("validator.cli") is not None:
        how = "python -m validator check --strict --no-policy"
        base = (python, "-m", "validator", "check", "--strict", "--no-policy", "--no-progress",
                "-o", "json", "--root", str(corpus), str(corpus), "--schema-engine")
        inproc = Command(args=(*base, "builtin"), env=env, ok_codes=ok, cwd=corpus)
        kc_engine = Command(args=(*base, "kubeconform"), env=env, ok_codes=ok, cwd=corpus)
    else:
        how = "python entry: validator.load + validate_schemas"
        inproc = Command(args=(python, "-c", FALLBACK_ENTRY, str(corpus), "builtin"), env=env,
                         ok_codes=ok)
        kc_engine = Command(args=(python, "-c", FALLBACK_ENTRY, str(corpus), "kubeconform"),
                            env=env, ok_codes=ok)
    with SchemaCatalog(SchemaSettings(strict=True, cache_dir=cache / "gitops-validator" / "schemas")
                       ) as catalog:
        location = catalog.cache.template()  # the verified cache a previous run filled
    kubeconform = Command(args=(str(require_tool(Tool.KUBECONFORM)), "-strict", "-summary",
                                "-kubernetes-version", "1.35.0", "-schema-location", location,
                                str(corpus)), ok_codes=ok)
    floor = Command(args=(python, "-c", PARSE_ONLY, str(corpus)), env=env)
    entry = Command(args=(python, "-c", FALLBACK_ENTRY, str(corpus), "builtin"), env=env,
                    ok_codes=ok)
    return {"in-process engine": inproc, "kubeconform engine": kc_engine,
            "kubeconform alone": kubeconform, "YAML parse floor": floor,
            "load+schema, no CLI": entry}, how


def library_figures(corpus: Path, cache: Path) -> list[str]:
    """Compile and validate costs of jsonschema-rs and python-jsonschema on the corpus."""
    import jsonschema  # noqa: PLC0415
    import jsonschema_rs  # noqa: PLC0415

    documents: list[Document] = []
    for path in sorted(corpus.rglob("*.yaml")):
        documents += load_file(path, display_path=path.name,
                               options=LoadOptions(strict=True)).documents
    settings = SchemaSettings(strict=True, cache_dir=cache / "gitops-validator" / "schemas")
    with SchemaCatalog(settings) as catalog:
        files = catalog.prepare((d.kind, d.api_version) for d in documents)
        schemas = {p: json.loads(p.read_text()) for p in files.values() if p is not None}
    start = time.perf_counter()
    for document in documents:
        json_text(document.body)
    json_us = (time.perf_counter() - start) * 1e6 / len(documents)
    libraries: dict[str, Callable[[dict[str, object]], Callable[[object], bool]]] = {
        "jsonschema-rs": lambda s: jsonschema_rs.validator_for(s, validate_formats=False).is_valid,
        "python-jsonschema": lambda s: jsonschema.Draft202012Validator(s).is_valid,
    }
    lines = []
    for name, make in libraries.items():
        start = time.perf_counter()
        compiled = {path: make(schema) for path, schema in schemas.items()}
        compile_ms = (time.perf_counter() - start) * 1000 / len(schemas)
        start = time.perf_counter()
        for document in documents:
            schema_file = files[(document.kind, document.api_version)]
            if schema_file is not None:
                compiled[schema_file](document.body)
        per_doc = (time.perf_counter() - start) * 1e6 / len(documents)
        lines.append(f"  {name:18} compile {compile_ms:7.2f} ms/schema   "
                     f"validate {per_doc:8.1f} us/document")
    lines.append(f"  JSON-compatibility check (both engines): {json_us:.1f} us/document")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=250)
    parser.add_argument("--docs-per-file", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-schema-") as temp:
        corpus, cache = Path(temp, "corpus"), Path(temp, "cache")
        count = generate_corpus(corpus, files=args.files, docs_per_file=args.docs_per_file)
        runs, how = commands(corpus, cache)
        start = time.perf_counter()
        run(runs["in-process engine"])  # fills the schema cache
        cold = time.perf_counter() - start
        print(f"corpus: {count} manifests in {args.files} files; in-process run with a cold "
              f"schema cache: {cold:.2f} s")
        print(f"in-process and kubeconform-engine runs use: {how}")
        results = {label: best_of(args.repeat, command) for label, command in runs.items()}
        times = {label: (wall, cpu) for label, (wall, cpu, _) in results.items()}
        reference, cpu_reference = times["kubeconform alone"]
        if how.startswith("python -m"):
            ours = schema_findings(results["in-process engine"][2])
            theirs = schema_findings(results["kubeconform engine"][2])
            print(f"schema findings: in-process {len(ours)}, kubeconform engine {len(theirs)}, "
                  f"identical: {ours == theirs}")
            if not ours or ours != theirs:
                raise SystemExit("the two engines disagree (or found nothing)")
        print(f"best of {args.repeat}:")
        for label, (wall, cpu) in times.items():
            print(f"  {label:20} wall {wall:6.2f} s {wall / reference:5.2f}x kubeconform   "
                  f"cpu {cpu:6.2f} s {cpu / cpu_reference:5.2f}x")
        print("in-process libraries on the same documents:")
        print("\n".join(library_figures(corpus, cache)))


if __name__ == "__main__":
    main()
