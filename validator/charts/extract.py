"""A chart archive unpacked safely: only regular files and folders, every name inside the
destination, the unpacked size bounded.

Helm's own loader would refuse some of this too, but the archive is opened here, by the
validator, before any sandbox: an absolute name, a ``..`` step, a symbolic or hard link, a
device or a gzip bomb must never write outside the cache or fill the disk.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
import zlib
from pathlib import Path

from validator.charts.model import ARCHIVE_REFUSED, TOO_LARGE, ChartError

#: Most members one chart archive may hold.
MAX_MEMBERS = 10_000
#: Bytes of the uncompressed archive beyond its files' content (headers, padding, long names)
#: allowed on top of ``max_bytes``, besides ``max_bytes`` more: 1 KiB per member of a default
#: 64 MiB chart with 10,000 members is 10 MiB.
_OVERHEAD = 1 << 20


class _Bounded(io.BufferedIOBase):
    """The uncompressed archive, read as a stream and cut off past ``limit`` bytes: tarfile
    reads a long-name or pax header whole into memory, so the decompressed stream itself is
    bounded, not only the files' sizes (a 64 MiB header of zeros gzips to 64 KiB)."""

    def __init__(self, stream: gzip.GzipFile, limit: int, max_bytes: int) -> None:
        super().__init__()
        self.stream, self.limit, self.max_bytes, self.read_so_far = stream, limit, max_bytes, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = self.limit + 1 - self.read_so_far if size is None or size < 0 else size
        chunk = self.stream.read(min(wanted, self.limit + 1 - self.read_so_far))
        self.read_so_far += len(chunk)
        if self.read_so_far > self.limit:
            raise ChartError(TOO_LARGE, f"unpacks to more than {self.max_bytes} bytes "
                                        "(charts.max_bytes)")
        return chunk


def extract_chart(data: bytes, destination: Path, *, max_bytes: int) -> str:
    """Unpack the ``.tgz`` ``data`` into ``destination`` (created); return the name of the
    archive's one top-level folder, which holds ``Chart.yaml``."""
    total = 0
    tops: set[str] = set()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped, \
                tarfile.open(fileobj=_Bounded(unzipped, 2 * max_bytes + _OVERHEAD, max_bytes),
                             mode="r|") as archive:
            for count, member in enumerate(archive, start=1):
                if count > MAX_MEMBERS:
                    raise ChartError(ARCHIVE_REFUSED, f"more than {MAX_MEMBERS} entries")
                name = _safe_name(member)
                tops.add(name.split("/", 1)[0])
                target = destination / name
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True, mode=0o755)
                    continue
                total += member.size
                if total > max_bytes:
                    raise ChartError(TOO_LARGE, f"unpacks to more than {max_bytes} bytes "
                                                  "(charts.max_bytes)")
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
                source = archive.extractfile(member)
                if source is None:
                    raise ChartError(ARCHIVE_REFUSED, f"{name}: cannot be read")
                with source, target.open("xb") as out:
                    out.write(source.read(member.size + 1)[:member.size])
                target.chmod(0o644)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if isinstance(exc, FileExistsError):
            raise ChartError(ARCHIVE_REFUSED, f"{exc.filename}: listed twice") from exc
        raise ChartError(ARCHIVE_REFUSED, f"not a readable chart archive: {exc}") from exc
    if len(tops) != 1:
        raise ChartError(ARCHIVE_REFUSED, "not one top-level chart folder "
                                            f"({', '.join(sorted(tops)) or 'empty'})")
    (top,) = tops
    if not (destination / top / "Chart.yaml").is_file():
        raise ChartError(ARCHIVE_REFUSED, f"{top}/Chart.yaml is missing")
    return top


def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's normalised relative name; a link, device, absolute name or ``..`` is refused."""
    if not (member.isfile() or member.isdir()):
        kind = "link" if member.issym() or member.islnk() else "special file"
        raise ChartError(ARCHIVE_REFUSED, f"{member.name}: a {kind}; only files and folders "
                                            "are accepted")
    raw = member.name.replace("\\", "/")
    name = posixpath.normpath(raw)
    if raw.startswith("/") or name.startswith("..") or name in (".", "") or \
            ".." in raw.split("/") or ":" in name.split("/", 1)[0]:
        raise ChartError(ARCHIVE_REFUSED, f"{member.name}: a name leaving the chart folder")
    return name
