"""Render cache: the bench_render repository rendered without the cache, cold, warm, and
warm from a second checkout (what the head of a change sees after the base).

Run: ``python -m benchmarks.bench_render_cache [--runs 3]``. Times are best of ``--runs``
(the cold run empties the cache folder first); the warm runs render nothing and only
hash inputs and load the cached output.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from benchmarks.bench_render import best_of, generate_repo
from validator.render import RenderResult, RenderSettings, discover_targets, render_targets
from validator.repo_config import load_repo_config


def render(root: Path, cache: Path | None) -> RenderResult:
    plan = discover_targets(root, [root], load_repo_config(root))
    return render_targets(plan, RenderSettings(jobs=2, cache_dir=cache), root=root)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-render-cache-") as tmp:
        base, head, cache = Path(tmp) / "base", Path(tmp) / "head", Path(tmp) / "cache"
        generate_repo(base)
        shutil.copytree(base, head)

        def cold() -> RenderResult:
            shutil.rmtree(cache, ignore_errors=True)
            return render(base, cache)

        off, _ = best_of(args.runs, lambda: render(base, None))
        first, result = best_of(args.runs, cold)
        warm, _ = best_of(args.runs, lambda: render(base, cache))
        other, _ = best_of(args.runs, lambda: render(head, cache))
        targets = result.targets
        print(f"{targets} targets, {len(result.documents)} objects, jobs=2")
        for label, seconds in (("no cache", off), ("cold cache", first), ("warm cache", warm),
                               ("warm, other checkout", other)):
            print(f"{label:<22} {seconds:7.3f} s  {seconds / off:6.1%} of no cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
