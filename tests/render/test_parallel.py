"""Many plain files are loaded in worker processes: same documents, findings and positions."""

from __future__ import annotations

from pathlib import Path

from validator.load import LoadOptions
from validator.render import RenderSettings, discover_targets, render_targets
from validator.render.engine import PROCESS_THRESHOLD
from validator.repo_config import load_repo_config

GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  key: v{i}\n"
BAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-{i}\n  name: again\ndata: [1, 2\n"


def test_worker_processes_give_the_same_result_as_one_thread(tmp_path: Path) -> None:
    count = PROCESS_THRESHOLD + 10
    for i in range(count):
        (tmp_path / f"f{i:03}.yaml").write_text((BAD if i % 7 == 0 else GOOD).format(i=i))
    plan = discover_targets(tmp_path, (tmp_path,), load_repo_config(tmp_path))
    assert len(plan.targets) == count
    progress: list[tuple[int, int]] = []

    def run(jobs: int) -> tuple[list[tuple[str, int, int]], list[tuple[str, str, int]]]:
        settings = RenderSettings(jobs=jobs, load_options=LoadOptions(strict=True))
        result = render_targets(plan, settings, root=tmp_path,
                                progress=lambda done, total: progress.append((done, total)))
        docs = [(d.path, d.index, d.locate(("data", "key")).line) for d in result.documents]
        findings = [(f.location.path, f.rule_id, f.location.line) for f in result.findings]
        return docs, findings

    sequential, parallel = run(1), run(2)
    assert parallel == sequential
    docs, findings = parallel
    assert len(docs) == count - len(range(0, count, 7))
    assert all(line == 6 for _, _, line in docs)
    assert ("f007.yaml", "load/syntax", 7) in findings
    assert progress[-1] == (count, count)
