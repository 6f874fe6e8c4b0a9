"""Hostile chart archives: nothing is written outside the destination, sizes are bounded."""

from __future__ import annotations

import io
import tarfile
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
