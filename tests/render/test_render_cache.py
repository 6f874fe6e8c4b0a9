"""The render cache with the real helm and kustomize: hits, misses, corruption, concurrency, bound.

Whether a tool ran is counted by a wrapper script that appends its subcommand to a file
(``GITOPS_VALIDATOR_HELM`` / ``GITOPS_VALIDATOR_KUSTOMIZE`` point at it), never by timing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.render.helpers import write
from validator.process import Command, start, stop
from validator.render import RenderResult, RenderSettings, discover_targets, render_targets
from validator.render.cache import CachedRender, RenderCache, default_render_cache_dir
from validator.repo_config import load_repo_config
from validator.tools import Tool, find_tool

CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "chart/values.yaml": "replicas: 1\n",
    "chart/templates/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n"
        "  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
        "        - name: web\n          image: nginx:1.27\n"),
}
OVERLAY = {
    "kust/base/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "kust/base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                         "data:\n  mode: base\n",
    "kust/prod/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n",
    "kust/prod/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
                            "data:\n  mode: prod\n",
}


def counting(tool: Tool, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the validator at a wrapper of ``tool`` that logs each run's subcommand."""
    real = find_tool(tool)
    assert real is not None
    log = folder / f"{tool.value}.log"
    script = folder / f"{tool.value}-counting"
    script.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv(f"GITOPS_VALIDATOR_{tool.name}", str(script))
    return log


def runs(log: Path, subcommand: str) -> int:
    return log.read_text().split().count(subcommand) if log.exists() else 0


def repository(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        write(root, path, text)
    return root


def render(root: Path, cache: Path | None, **settings: object) -> RenderResult:
    plan = discover_targets(root, [root], load_repo_config(root))
    return render_targets(plan, RenderSettings(jobs=1, cache_dir=cache, **settings),  # type: ignore[arg-type]
                          root=root)


def summary(result: RenderResult) -> list[tuple[object, ...]]:
    """What a render means to the checks: bodies, sources, lines of a field, findings."""
    return sorted(
        [(d.target, d.path, repr(d.body), d.locate(("metadata", "name")).line,
          d.locate(("data", "mode")).line) for d in result.documents]
        + [("finding", f.rule_id, f.location.path, f.location.line, f.message)
           for f in result.findings], key=repr)


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    folder = tmp_path / "tools"
    folder.mkdir()
    return counting(Tool.HELM, folder, monkeypatch), counting(Tool.KUSTOMIZE, folder, monkeypatch)


def test_identical_inputs_in_another_checkout_render_once(tmp_path: Path,
                                                          tools: tuple[Path, Path]) -> None:
    helm, kustomize = tools
    cache = tmp_path / "cache"
    base = repository(tmp_path / "base", CHART | OVERLAY)
    head = tmp_path / "head"
    shutil.copytree(base, head)
    first = render(base, cache)
    assert (runs(helm, "template"), runs(kustomize, "build")) == (1, 1)  # kust/base is consumed
    second = render(head, cache)
    assert (runs(helm, "template"), runs(kustomize, "build")) == (1, 1)  # not run again
    assert summary(second) == summary(first)
    prod = next(d for d in second.documents if d.target == "kust/prod")
    assert prod.path == "kust/base/cm.yaml"  # origins mapped into this checkout's terms
    assert prod.locate(("data", "mode")).path == "kust/prod/patch.yaml"
    assert "config.kubernetes.io/origin" not in repr(prod.body)


def test_a_changed_input_misses(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, kustomize = tools
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", CHART | OVERLAY)
    render(root, cache)
    write(root, "chart/values.yaml", "replicas: 3\n")
    write(root, "kust/prod/patch.yaml", OVERLAY["kust/prod/patch.yaml"].replace("prod", "live"))
    result = render(root, cache)
    assert (runs(helm, "template"), runs(kustomize, "build")) == (2, 2)
    bodies = {d.kind: d.body for d in result.documents if d.target in ("chart", "kust/prod")}
    assert bodies["Deployment"]["spec"]["replicas"] == 3
    assert bodies["ConfigMap"]["data"]["mode"] == "live"


def test_a_new_file_in_a_chart_misses(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", CHART)
    render(root, cache)
    write(root, "chart/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    result = render(root, cache)
    assert runs(helm, "template") == 2
    assert {d.kind for d in result.documents} == {"Deployment", "ConfigMap"}


def test_render_options_are_part_of_the_key(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", CHART)
    render(root, cache)
    render(root, cache, kubernetes_version="1.30.0")
    assert runs(helm, "template") == 2


def test_a_corrupt_entry_is_ignored_and_rebuilt(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", CHART)
    first = render(root, cache)
    (entry,) = cache.glob("*.entry")
    data = bytearray(entry.read_bytes())
    data[-20] ^= 0x01  # one bit of the output flipped
    entry.write_bytes(bytes(data))
    second = render(root, cache)
    assert runs(helm, "template") == 2
    assert summary(second) == summary(first)
    entry.write_bytes(entry.read_bytes()[:50])  # truncated
    assert summary(render(root, cache)) == summary(first)
    assert runs(helm, "template") == 3
    render(root, cache)
    assert runs(helm, "template") == 3  # the rebuilt entry is good


def test_a_failed_build_is_cached_with_its_finding(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    _, kustomize = tools
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", OVERLAY | {
        "kust/prod/patch.yaml": OVERLAY["kust/prod/patch.yaml"].replace("settings", "nothing")})
    first = render(root, cache)
    second = render(root, cache)
    assert runs(kustomize, "build") == 1
    assert [f.rule_id for f in second.findings] == ["render/kustomize-failed"]
    assert summary(second) == summary(first)


RANDOM_CHART = {
    "rnd/Chart.yaml": "apiVersion: v2\nname: rnd\nversion: 0.1.0\n",
    "rnd/values.yaml": "{}\n",
    "rnd/templates/secret.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: rnd-{{ randAlphaNum 5 | lower }}\n"
        "stringData:\n  password: {{ randAlphaNum 16 | quote }}\n  at: {{ now | quote }}\n"),
}


def test_random_charts_stay_stable_and_are_rendered_twice_only_once(
        tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    cache = tmp_path / "cache"
    base = repository(tmp_path / "base", RANDOM_CHART)
    head = tmp_path / "head"
    shutil.copytree(base, head)
    uncached = render(base, None)
    assert runs(helm, "template") == 2  # the random chart's two renders
    first = render(base, cache)
    second = render(head, cache)
    assert runs(helm, "template") == 4  # the cached pair serves the head
    assert summary(first) == summary(second) == summary(uncached)


def test_no_cache_folder_means_every_render_runs(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    root = repository(tmp_path / "repo", CHART)
    render(root, None)
    render(root, None)
    assert runs(helm, "template") == 2


def test_size_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "cache", max_bytes=10**6)
    keys = [f"{i:064x}" for i in range(4)]
    for age, key in enumerate(keys[:3]):
        cache.put(key, CachedRender(outputs=(b"x" * 1000,)))
        os.utime(cache.folder / f"{key}.entry", (1000 + age, 1000 + age))
    assert cache.get(keys[0]) is not None  # used: now the most recent
    entry_size = (cache.folder / f"{keys[0]}.entry").stat().st_size
    cache.max_bytes = 3 * entry_size
    cache.put(keys[3], CachedRender(outputs=(b"y" * 1000,)))
    cache.evict()
    assert [cache.get(k) is not None for k in keys] == [True, False, True, True]
    assert sum(p.stat().st_size for p in cache.folder.glob("*.entry")) <= cache.max_bytes


def test_renders_within_a_small_bound_keep_the_folder_small(tmp_path: Path,
                                                            tools: tuple[Path, Path]) -> None:
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", CHART | OVERLAY)
    render(root, cache, cache_max_bytes=1500)
    assert sum(p.stat().st_size for p in cache.glob("*.entry")) <= 1500


def test_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_render_cache_dir() == tmp_path / "gitops-validator" / "renders"


def _check(root: Path, xdg: Path, log: Path, *extra: str) -> Command:
    env = {"XDG_CACHE_HOME": str(xdg), "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
           "GITOPS_VALIDATOR_HELM": os.environ["GITOPS_VALIDATOR_HELM"],
           "GITOPS_VALIDATOR_KUSTOMIZE": os.environ["GITOPS_VALIDATOR_KUSTOMIZE"]}
    return Command(args=(sys.executable, "-m", "validator", "check", str(root), "--no-schema",
                         "--no-policy", "--no-progress", "--jobs", "2", *extra),
                   cwd=root, env=env, ok_codes=frozenset({0, 1}))


def test_concurrent_runs_share_the_cache_without_corrupting_it(
        tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, kustomize = tools
    files = dict(CHART | OVERLAY)
    for i in range(6):  # more targets, so that the two runs overlap
        files |= {f"c{i}/{name.removeprefix('chart/')}": text.replace("web", f"web{i}")
                  for name, text in CHART.items()}
    root = repository(tmp_path / "repo", files)
    xdg = tmp_path / "xdg"
    processes = [start(_check(root, xdg, tmp_path / f"run{n}.log"), log_path=tmp_path / f"run{n}.log")
                 for n in range(2)]
    assert [p.wait(timeout=300) for p in processes] == [0, 0], \
        [(tmp_path / f"run{n}.log").read_text() for n in range(2)]
    folder = xdg / "gitops-validator" / "renders"
    entries = sorted(folder.glob("*.entry"))
    assert len(entries) == 8  # 7 charts, 1 kustomization
    assert not list(folder.glob(".tmp-*"))
    cache = RenderCache(folder)
    assert all(cache.get(entry.name.removesuffix(".entry")) is not None for entry in entries)
    before = (runs(helm, "template"), runs(kustomize, "build"))
    third = start(_check(root, xdg, tmp_path / "run2.log"), log_path=tmp_path / "run2.log")
    assert third.wait(timeout=300) == 0
    assert (runs(helm, "template"), runs(kustomize, "build")) == before  # all hits
    off = start(_check(root, xdg, tmp_path / "run3.log", "--no-render-cache"),
                log_path=tmp_path / "run3.log")
    assert off.wait(timeout=300) == 0
    assert runs(helm, "template") == before[0] + 7  # --no-render-cache renders everything
    for finished in (*processes, third, off):
        stop(finished)  # no longer listed as running children of this process


def test_a_file_behind_a_symlinked_folder_of_a_chart_is_part_of_the_key(
        tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    cache = tmp_path / "cache"
    root = repository(tmp_path / "repo", CHART | {
        "shared/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"
                          "data:\n  mode: one\n"})
    (root / "chart/templates/shared").symlink_to("../../shared")
    render(root, cache)
    write(root, "shared/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"
                                  "data:\n  mode: two\n")
    result = render(root, cache)
    assert runs(helm, "template") == 2
    modes = [d.body["data"]["mode"] for d in result.documents
             if d.kind == "ConfigMap" and d.target == "chart"]
    assert modes == ["two"]


def test_an_unwritable_cache_costs_time_only(tmp_path: Path, tools: tuple[Path, Path]) -> None:
    helm, _ = tools
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be\n")
    root = repository(tmp_path / "repo", CHART)
    first = render(root, blocked / "renders")
    second = render(root, blocked / "renders")
    assert runs(helm, "template") == 2
    assert summary(first) == summary(second)
    assert [d.kind for d in first.documents] == ["Deployment"]


def test_the_key_never_reads_a_file_outside_the_repository(tmp_path: Path,
                                                           tools: tuple[Path, Path]) -> None:
    """A link (that nothing renders) from a kustomization folder to a file outside the
    repository: the key hashes where it points, never what is there (a change to that file
    does not miss, as nothing of it was read)."""
    _, kustomize = tools
    cache = tmp_path / "cache"
    outside = tmp_path / "outside.txt"
    outside.write_text("outside the repository\n")
    root = repository(tmp_path / "repo", OVERLAY)
    (root / "kust/prod/leak").symlink_to(outside)
    render(root, cache)
    outside.write_text("changed outside the repository\n")
    render(root, cache)
    assert runs(kustomize, "build") == 1


SLOW = {  # about 1 s of helm's own time (9 million loop steps)
    "slow/Chart.yaml": "apiVersion: v2\nname: slow\nversion: 0.1.0\n",
    "slow/templates/cm.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: slow\ndata:\n"
                               '  result: "{{ range until 6000 }}{{ range until 3000 }}{{ end }}'
                               '{{ end }}done"\n'),
}


def test_a_render_that_passed_under_looser_limits_is_not_replayed_under_tighter_ones(
        tmp_path: Path, tools: tuple[Path, Path]) -> None:
    """The limits decide whether a render succeeds (a chart that renders in over a second,
    18 million template steps, passes the default time limit, not one of 0.5 s): a tighter
    run renders for itself, whatever an earlier run cached; the looser run's entry still
    serves looser runs."""
    helm, _ = tools
    root, cache = repository(tmp_path / "repo", SLOW), tmp_path / "cache"
    loose = render(root, cache)
    assert [d.body["data"]["result"] for d in loose.documents] == ["done"]
    tight = render(root, cache, timeout=0.5)
    assert not tight.documents
    assert tight.findings, "the time limit is reported"
    assert runs(helm, "template") == 2
    render(root, cache)
    assert runs(helm, "template") == 2, "the looser run's entry is still used"
