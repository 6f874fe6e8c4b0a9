"""Hostile chart archives: nothing is written outside the destination, sizes are bounded."""

from __future__ import annotations

import io
import tarfile
import tracemalloc
import zlib
from pathlib import Path

import pytest

from validator.charts.extract import extract_chart
from validator.charts.model import ChartError


def _archive(*members: tuple[str, bytes | None, bytes]) -> bytes:
    """A .tgz of (name, data or None for a folder, type) members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = "/etc/passwd"
            if data is not None and kind == tarfile.REGTYPE:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                archive.addfile(info)
    return buffer.getvalue()


_CHART = ("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\n", tarfile.REGTYPE)


def test_a_plain_chart_is_unpacked(tmp_path: Path) -> None:
    top = extract_chart(_archive(_CHART, ("demo/templates/a.yaml", b"kind: A\n", tarfile.REGTYPE)),
                        tmp_path, max_bytes=10_000)
    assert top == "demo"
    assert (tmp_path / "demo" / "templates" / "a.yaml").read_bytes() == b"kind: A\n"


@pytest.mark.parametrize(("name", "kind", "why"), [
    ("/tmp/evil.yaml", tarfile.REGTYPE, "leaving the chart folder"),
    ("demo/../../evil.yaml", tarfile.REGTYPE, "leaving the chart folder"),
    ("demo/templates/link.yaml", tarfile.SYMTYPE, "a link"),
    ("demo/templates/hard.yaml", tarfile.LNKTYPE, "a link"),
    ("demo/templates/fifo", tarfile.FIFOTYPE, "special file"),
])
def test_names_and_kinds_leaving_the_folder_are_refused(
        tmp_path: Path, name: str, kind: bytes, why: str) -> None:
    destination = tmp_path / "out"
    with pytest.raises(ChartError, match=why) as raised:
        extract_chart(_archive(_CHART, (name, b"x", kind)), destination, max_bytes=10_000)
    assert raised.value.rule == "agent/chart-archive-refused"
    assert not (tmp_path / "evil.yaml").exists()
    assert not Path("/tmp/evil.yaml").exists()


def test_the_unpacked_size_is_bounded(tmp_path: Path) -> None:
    bomb = _archive(_CHART, ("demo/templates/big.yaml", b"0" * 5_000_000, tarfile.REGTYPE))
    assert len(bomb) < 50_000  # compresses to little, unpacks to a lot
    with pytest.raises(ChartError, match="unpacks to more than") as raised:
        extract_chart(bomb, tmp_path, max_bytes=1_000_000)
    assert raised.value.rule == "agent/chart-too-large"


def test_two_top_level_folders_or_no_chart_yaml_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ChartError, match="not one top-level"):
        extract_chart(_archive(_CHART, ("other/x.yaml", b"x", tarfile.REGTYPE)), tmp_path / "a",
                      max_bytes=10_000)
    with pytest.raises(ChartError, match=r"Chart\.yaml is missing"):
        extract_chart(_archive(("demo/x.yaml", b"x", tarfile.REGTYPE)), tmp_path / "b",
                      max_bytes=10_000)
    with pytest.raises(ChartError, match="not a readable chart archive"):
        extract_chart(b"not gzip", tmp_path / "c", max_bytes=10_000)


def _header_bomb(kind: bytes, size: int) -> bytes:
    """A .tgz whose first member is a GNU long-name or a pax header of ``size`` zero bytes
    (tarfile reads such a header whole into memory), then the chart."""
    info = tarfile.TarInfo("././@LongLink")
    info.type = kind
    info.size = size
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(info.tobuf(tarfile.GNU_FORMAT))]
    block = bytes(1 << 20)
    for _ in range(size // len(block)):
        parts.append(packer.compress(block))
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w") as archive:
        data = _CHART[1]
        chart = tarfile.TarInfo(_CHART[0])
        chart.size = len(data)
        archive.addfile(chart, io.BytesIO(data))
    parts += [packer.compress(inner.getvalue()), packer.flush()]
    return b"".join(parts)


@pytest.mark.parametrize("kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE])
def test_a_huge_header_is_never_read_into_memory(tmp_path: Path, kind: bytes) -> None:
    bomb = _header_bomb(kind, 64 << 20)
    assert len(bomb) < 1_000_000  # within any download limit
    tracemalloc.start()
    try:
        with pytest.raises(ChartError) as raised:
            extract_chart(bomb, tmp_path / "out", max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.rule == "agent/chart-too-large", raised.value.message
    assert peak < 32 << 20, f"{peak} bytes held while unpacking"
