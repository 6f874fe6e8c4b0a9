"""Hostile inputs for loading: bombs in bytes and nodes, odd files, odd names, odd YAML."""

from __future__ import annotations

import os
from pathlib import Path

from tests.hostile.gallery import hostile

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hostile}\n"


def _aliased_string(times: int, size: int) -> str:
    return HEAD + f"big: &s {'x' * size}\ndata: [{', '.join(['*s'] * times)}]\n"


@hostile("aliased-big-string")
def aliased_big_string(folder: Path) -> None:
    """A 1 MiB string aliased 3,000 times: 1 MB on disk, 3 GB once expanded."""
    (folder / "string.yaml").write_text(_aliased_string(3000, 1024 * 1024))


@hostile("documents-each-under-the-node-budget")
def many_budgeted_documents(folder: Path) -> None:
    """40 documents, each just under the per-document node budget."""
    level = ["a0: &a0 [" + ", ".join(["x"] * 99) + "]"]
    level += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 99) + "]" for n in (1, 2)]
    document = HEAD + "\n".join(level) + "\n"  # about 990,000 nodes
    (folder / "budget.yaml").write_text("---\n".join([document] * 40))


@hostile("aliased-big-string-behind-kustomize")
def kustomize_big_string(folder: Path) -> None:
    (folder / "kustomization.yaml").write_text("resources: [string.yaml]\n")
    (folder / "string.yaml").write_text(_aliased_string(3000, 1024 * 1024))


@hostile("a-million-documents")
def million_documents(folder: Path) -> None:
    (folder / "many.yaml").write_text("a: 1\n---\n" * 1_000_000)


@hostile("fifo-named-yaml")
def fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")


@hostile("fifo-behind-kustomize")
def fifo_in_kustomization(folder: Path) -> None:
    (folder / "kustomization.yaml").write_text("resources: [pipe.yaml]\n")
    os.mkfifo(folder / "pipe.yaml")


@hostile("non-utf8-file-name")
def non_utf8_name(folder: Path) -> None:
    name = os.fsencode(folder) + b"/bad\xff.yaml"
    with open(name, "wb") as file:  # noqa: PTH123 - a bytes path
        file.write(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata: {a: 1}\n")


@hostile("json-integer-over-4300-digits")
def big_json_integer(folder: Path) -> None:
    (folder / "big.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n"}, "n": '
        + "9" * 5000 + "}\n")


@hostile("control-characters")
def control_characters(folder: Path) -> None:
    (folder / "nul.yaml").write_bytes(HEAD.encode() + b"data:\n  a: x\x00y\n")
    (folder / "escape.yaml").write_bytes(HEAD.encode() + b"data:\n  a: x\x1b[31my\n")


@hostile("chained-merge-keys")
def chained_merges(folder: Path) -> None:
    chain = "".join(f"m{i}: &m{i}\n  <<: *m{i - 1}\n" for i in range(1, 3000))
    (folder / "merges.yaml").write_text(HEAD + "m0: &m0\n  a: 1\n" + chain)
    nested = "".join(f"&n{i} {{<<: " for i in range(990)) + "{a: 1}" + "}" * 990
    (folder / "nested.yaml").write_text(HEAD + f"n: {nested}\n")


@hostile("duplicate-keys-in-json")
def json_duplicates(folder: Path) -> None:
    (folder / "dup.json").write_text(
        '{\n"apiVersion": "v1",\n"kind": "ConfigMap",\n"kind": "Secret",\n"metadata": {"name": "d"}\n}\n')


@hostile("not-kubernetes-and-templates")
def not_kubernetes(folder: Path) -> None:
    (folder / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (folder / "mkdocs.yml").write_text("site_name: x\nextra:\n  key: !ENV KEY\n")
    (folder / "deploy.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: {{ data }}\n")
    (folder / "set.yaml").write_text(HEAD + "data: !!set {a, b}\n")
