"""Expansion budgets in nodes and bytes, per document, file and run; documents per file."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

from tests.render.helpers import write
from validator.load import LoadOptions, load_bytes
from validator.load.safety import LoadLimits
from validator.process import Command, run
from validator.render import RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\n"


def big_string_aliased(times: int, size: int = 1024 * 1024) -> bytes:
    """A document holding a ``size``-character string once and aliasing it ``times`` times."""
    aliases = ", ".join(["*s"] * times)
    return (HEAD + f"big: &s {'x' * size}\ndata: [{aliases}]\n").encode()


def findings(result: object) -> list[tuple[str, int]]:
    return [(f.rule_id, f.location.line) for f in result.findings]  # type: ignore[attr-defined]


def test_a_big_string_aliased_thousands_of_times_is_refused_in_bytes() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    data = big_string_aliased(3000) + b"---\n" + HEAD.encode()
    result = load_bytes(data, display_path="s.yaml")
    assert findings(result) == [("load/limit", 1)]
    assert "16 MiB of data" in result.findings[0].message
    assert [d.resource.name for d in result.documents] == ["big"]  # the next document is checked
    assert result.documents[0].index == 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000


def test_documents_each_under_the_budget_are_refused_together_per_file() -> None:
    limits = LoadLimits(max_expanded_bytes=100_000, max_file_expanded_bytes=300_000)
    document = big_string_aliased(9, size=9_000)  # about 90 kB once expanded
    result = load_bytes(b"---\n".join([document] * 5), display_path="f.yaml",
                        options=LoadOptions(limits=limits))
    assert [d.index for d in result.documents] == [0, 1, 2]
    assert findings(result) == [("load/limit", 19)]  # the fourth document's first line
    assert "the rest of the file" in result.findings[0].message


def test_file_budget_in_nodes() -> None:
    lines = [HEAD, "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n", "b: [" + ", ".join(["*a"] * 200) + "]\n"]
    document = "".join(lines).encode()
    limits = LoadLimits(max_expanded_nodes=2_500, max_file_expanded_nodes=3_000)
    result = load_bytes(document + b"---\n" + document, display_path="n.yaml",
                        options=LoadOptions(limits=limits))
    assert len(result.documents) == 1
    assert "more than 3000 nodes" in result.findings[0].message


def test_too_many_documents_are_cut_with_a_finding() -> None:
    data = "".join(f"---\n{HEAD}" for _ in range(25)).encode()
    result = load_bytes(data, display_path="m.yaml",
                        options=LoadOptions(limits=LoadLimits(max_documents=10)))
    assert len(result.documents) == 10
    assert findings(result) == [("load/too-many-documents", 41)]  # after the last document read


def test_run_budget_spans_files_loaded_in_worker_processes(tmp_path: Path) -> None:
    for number in range(80):  # enough plain files to be loaded in worker processes
        write(tmp_path, f"apps/f{number:02}.yaml", big_string_aliased(4, size=1000).decode())
    limits = LoadLimits(max_run_expanded_bytes=50 * 5_100)
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))
    for jobs in (1, 2):
        result = render_targets(plan, RenderSettings(jobs=jobs, load_options=LoadOptions(
            limits=limits)), root=tmp_path)
        kept = sorted({d.path for d in result.documents})
        assert kept == [f"apps/f{n:02}.yaml" for n in range(len(kept))]  # plan order decides
        assert 40 <= len(kept) < 80
        refused = sorted(f.location.path for f in result.findings)
        assert refused == [f"apps/f{n:02}.yaml" for n in range(len(kept), 80)]
        assert all(f.rule_id == "load/run-limit" and f.location.line == 1 for f in result.findings)


def test_render_inputs_are_screened_in_bytes_and_together(tmp_path: Path) -> None:
    write(tmp_path, "k/kustomization.yaml", "resources: [a.yaml, b.yaml, c.yaml]\n")
    for name in "abc":
        write(tmp_path, f"k/{name}.yaml", big_string_aliased(9, size=9_000).decode()
              .replace("name: big", f"name: {name}"))
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))

    def screened(limits: LoadLimits) -> list[tuple[str, str]]:
        result = render_targets(plan, RenderSettings(jobs=1, load_options=LoadOptions(
            limits=limits)), root=tmp_path)
        return [(f.rule_id, f.location.path) for f in result.findings]

    assert screened(LoadLimits()) == []
    assert screened(LoadLimits(max_expanded_bytes=50_000)) == [
        ("render/input-limit", "k/a.yaml"), ("render/input-limit", "k/b.yaml"),
        ("render/input-limit", "k/c.yaml")]
    assert screened(LoadLimits(max_run_expanded_bytes=200_000)) == [
        ("render/input-limit", "k/c.yaml")]


def test_a_million_documents_stay_within_two_gib(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, "many.yaml", "a: 1\n---\n" * 1_000_000)
    limit = 2 * 1024**3
    script = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit})); "
              "from validator.cli import main; sys.exit(main())")
    result = run(Command(args=(sys.executable, "-c", script, "check", str(tmp_path), "-o", "json",
                               "--no-policy", "--no-schema"),
                         cwd=tmp_path, env={"PYTHONPATH": ":".join(sys.path)}, timeout=240,
                         ok_codes=frozenset({0, 1, 2})))
    assert result.returncode == 1, result.stderr[-2000:]
    assert b'"load/too-many-documents"' in result.stdout


def test_a_json_integer_over_4300_digits_is_a_finding_on_its_line() -> None:
    data = b'{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "n": ' + b"9" * 5000 + b"\n}\n"
    result = load_bytes(data, display_path="big.json")
    assert findings(result) == [("load/limit", 4)]
    assert result.findings[0].message == (
        "a number with 5000 digits (more than 4300 are not read); not checked")


def test_a_yaml_integer_over_4300_digits_is_a_finding_without_the_number() -> None:
    data = b"apiVersion: v1\nkind: ConfigMap\nn: " + b"9" * 5000 + b"\n---\n" + HEAD.encode()
    result = load_bytes(data, display_path="big.yaml")
    assert findings(result) == [("load/limit", 3)]
    assert result.findings[0].message == (
        "a number with 5000 digits (more than 4300 are not read); this document is not checked")
    assert [d.resource.name for d in result.documents] == ["big"]
