"""Composed position nodes are a bounded cache: locating findings in thousands of files
keeps the nodes of the most recently used ones only, and an evicted file still locates."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from validator.load import Document, load_file
from validator.load.positions import COMPOSED_LIMIT

#: One object with enough fields that its composed nodes weigh tens of kilobytes.
_OBJECT = "".join(
    ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{n}\ndata:\n"]
    + [f"  key{i}: value{i}\n" for i in range(150)])


def _documents(root: Path, files: int, per_file: int) -> list[Document]:
    documents: list[Document] = []
    for number in range(files):
        path = root / f"file-{number}.yaml"
        path.write_text("---\n".join(_OBJECT.format(n=f"{number}-{i}") for i in range(per_file)))
        documents += load_file(path, display_path=path.name).documents
    return documents


def _traced_growth(documents: list[Document]) -> int:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for document in documents:
            document.locate(("data", "key100"))
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_locating_every_object_of_many_files_keeps_memory_bounded(tmp_path: Path) -> None:
    files, per_file = 4 * COMPOSED_LIMIT, 4
    one_file = _traced_growth(_documents(_mkdir(tmp_path / "one"), 1, per_file))
    documents = _documents(tmp_path, files, per_file)
    first = documents[0].locate(("data", "key149"))
    grown = _traced_growth(documents)
    # keeping every file's nodes would cost files * one_file
    assert grown < (COMPOSED_LIMIT + 8) * one_file, (
        f"{grown} bytes kept for {files} files; one file costs {one_file}")
    again = documents[0].locate(("data", "key149"))  # evicted long ago: composed again
    assert (again.line, again.column) == (first.line, first.column) == (155, 3)


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path
