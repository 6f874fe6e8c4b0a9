"""Batches are bounded in documents and bytes whatever the run's size, so memory stays flat."""

from __future__ import annotations

import json
from pathlib import Path

from validator.load import Document, load_file
from validator.policy.encode import join_items
from validator.policy.query import MAX_BATCH_BYTES, MAX_BATCH_DOCUMENTS, cut_batches


def _documents(root: Path, count: int, value_bytes: int) -> list[Document]:
    value = "x" * value_bytes
    text = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\n"
                   f"data: {{v: {value}}}\n" for i in range(count))
    (root / "many.yaml").write_text(text)
    return list(load_file(root / "many.yaml", display_path="many.yaml").documents)


def test_batches_are_bounded_by_documents(tmp_path: Path) -> None:
    documents = _documents(tmp_path, 2 * MAX_BATCH_DOCUMENTS + 3, 10)
    batches = list(cut_batches(documents, root=tmp_path, combine=False))
    assert [len(b.documents) for b in batches] == [MAX_BATCH_DOCUMENTS, MAX_BATCH_DOCUMENTS, 3]
    assert [d for b in batches for d in b.documents] == documents
    body = json.loads(join_items(batches[2].items))
    assert [d["input"]["metadata"]["name"] for d in body["input"]["documents"]] == [
        f"cm-{i}" for i in range(2 * MAX_BATCH_DOCUMENTS, 2 * MAX_BATCH_DOCUMENTS + 3)]
    assert body["input"]["documents"][0]["file"] == {"name": "many.yaml", "dir": str(tmp_path)}


def test_batches_are_bounded_by_bytes_and_a_larger_document_goes_alone(tmp_path: Path) -> None:
    documents = _documents(tmp_path, 40, MAX_BATCH_BYTES // 16)
    big = tmp_path / "big"
    big.mkdir()
    documents += _documents(big, 1, MAX_BATCH_BYTES + 1)
    batches = list(cut_batches(documents, root=tmp_path, combine=False))
    sizes = [len(join_items(b.items)) for b in batches]
    assert all(size <= MAX_BATCH_BYTES for size in sizes[:-1]), sizes
    assert len(batches[-1].documents) == 1
    assert sizes[-1] > MAX_BATCH_BYTES
    assert sum(len(b.documents) for b in batches) == 41
    assert len(batches) >= 4  # 40 * 1/16 of the limit: at least three full batches


def test_combine_sends_one_input_with_every_document(tmp_path: Path) -> None:
    documents = _documents(tmp_path, MAX_BATCH_DOCUMENTS + 1, 10)
    [batch] = cut_batches(documents, root=tmp_path, combine=True)
    assert batch.combined
    assert len(batch.documents) == MAX_BATCH_DOCUMENTS + 1
    [entry] = json.loads(join_items(batch.items))["input"]["documents"]
    assert len(entry["input"]) == MAX_BATCH_DOCUMENTS + 1
