"""The render cache: a Kustomize or Helm target whose inputs did not change is not rendered again.

What is cached is the narrowest thing: the tool's raw standard output (Helm: both renders
of a chart with random functions, and the clock its times were fixed against) or, when
the tool failed, the render findings; the caller then loads the bytes as usual, so
source maps, stand-ins for random values and test-hook handling run on every use.

An entry's key is a SHA-256 of everything the render depends on (:func:`render_key`):
the content of every file the target may read (``Target.inputs`` and every file under
the chart folder or under each kustomization folder of the build, which the load
restrictor confines kustomize to), the target's definition (with every option an agent
object gives it: ``Target.helm``, ``kustomize``, ``directory``, ``substitution``), the render options, the
tool and its version, the render limits (memory, time, output size: they decide whether a
render succeeds) and this module's format revision. Paths are repository-relative,
so the base and the head of a change, checked out in two folders, share entries.

Entries live under ``$XDG_CACHE_HOME/gitops-validator/renders`` (``~/.cache/...``).
They are written to a temporary file and renamed into place (atomic; concurrent runs
at worst both write the same entry), carry a SHA-256 of their content that is verified
on every read (a corrupt or truncated entry is ignored, removed and rebuilt), and the
folder is kept under a size bound by removing the least recently used entries (a hit
touches its entry). A cache that cannot be read or written only costs time: the
render runs as without it, and a warning is logged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

import validator
from validator.errors import CommandError, CommandMemoryError, CommandTimeoutError
from validator.model import Engine, Finding, Location, Severity
from validator.render.settings import RenderSettings
from validator.render.targets import Target
from validator.render.walk import walk
from validator.tools import Tool, require_tool, tool_version

_LOGGER = logging.getLogger(__name__)

#: Bump when what a render's raw output means changes (the kustomize wrapper, helm flags...).
CACHE_FORMAT = 1
_MAGIC = b"gitops-validator-render-cache"
_CHUNK = 1 << 20
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def default_render_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/gitops-validator/renders`` (``~/.cache/...`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-validator" / "renders"


@dataclass(frozen=True, kw_only=True)
class CachedRender:
    """What one render of one target produced, independent of where the checkout is."""

    outputs: tuple[bytes, ...] = ()
    """The tool's raw standard output, one per run (Helm runs a random chart twice)."""
    findings: tuple[Finding, ...] = ()
    """When the tool failed: the render findings (repository-relative), and no outputs."""
    context: Mapping[str, str] = field(default_factory=dict)
    """What loading the outputs again needs (Helm: the clock; kustomize: the folders the
    origin annotations are relative to)."""
    cacheable: bool = True
    """False for what must not be replayed (a timeout, an output over the limit); not stored."""


def cached_render(key: Callable[[], str], settings: RenderSettings,
                  produce: Callable[[], CachedRender]) -> CachedRender:
    """``produce()``, through the cache of ``settings`` when there is one, keyed by ``key()``
    and the limits of ``settings`` (:func:`limits_key`)."""
    if settings.cache_dir is None:
        return produce()
    cache = RenderCache(settings.cache_dir, max_bytes=settings.cache_max_bytes)
    return cache.render(limits_key(key(), settings), produce)


def limits_key(key: str, settings: RenderSettings) -> str:
    """``key`` with the limits the render ran under: they decide whether it succeeds (a chart
    that fits in the default memory limit fails under a tighter one), so a render that passed
    under looser limits is never replayed under tighter ones."""
    limits = {"memory_limit": settings.memory_limit, "timeout": settings.timeout,
              "max_output_bytes": settings.max_output_bytes}
    return hashlib.sha256(key.encode() + b"\0" + json.dumps(limits, sort_keys=True).encode()).hexdigest()


def evict_render_cache(settings: RenderSettings) -> None:
    """Bring the cache of ``settings`` (if any) back within its size bound; run once per
    render run rather than per entry, so that a run of many targets lists the folder once."""
    if settings.cache_dir is not None:
        RenderCache(settings.cache_dir, max_bytes=settings.cache_max_bytes).evict()


def repeatable_failure(exc: CommandError) -> bool:
    """Whether a tool's failure comes from its input (an exit code), not from a limit (a
    timeout, a memory limit, an oversized output), so that it may be cached."""
    return exc.returncode is not None and not isinstance(exc, CommandTimeoutError | CommandMemoryError)


def render_key(target: Target, *, root: Path, tool: Tool, options: Iterable[object],
               folders: Iterable[str] = (), files: Iterable[str] = ()) -> str:
    """The cache key of a render of ``target``: a SHA-256 of its inputs (see the module
    docstring); every file of ``files``, of ``Target.inputs`` and under ``folders``
    (repository-relative) counts."""
    path = require_tool(tool)
    digest = hashlib.sha256()
    header = {"format": CACHE_FORMAT, "validator": validator.__version__, "tool": tool.value,
              "tool_path": str(path), "tool_version": tool_version(path, tool),
              "target": [target.kind.value, target.path, target.name, target.release_name,
                         target.namespace, list(target.values_files)],
              "agent_options": _agent_options(target),
              "options": [str(option) for option in options]}
    digest.update(json.dumps(header, sort_keys=True).encode() + b"\0")
    real_root = Path(os.path.realpath(root))
    too_deep: list[str] = []
    for relative in sorted({*target.inputs, *files, *_files_under(root, folders, too_deep)}):
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(_file_digest(root, real_root, relative) + b"\0")
    if too_deep:  # inputs the key cannot see: a key of its own, so the render always runs
        digest.update(os.urandom(16))
    return digest.hexdigest()


def _agent_options(target: Target) -> str:
    """Every option an agent object gives the render (two targets of one chart or folder with
    different options never share an entry)."""
    options = {"helm": target.helm, "kustomize": target.kustomize,
               "directory": target.directory, "substitution": target.substitution}
    return json.dumps({name: asdict(value) for name, value in options.items() if value is not None},
                      sort_keys=True, default=str)


def _files_under(root: Path, folders: Iterable[str], too_deep: list[str]) -> Iterable[str]:
    """Every file under ``folders``, through symlinked folders that stay inside ``root``
    (the tools follow them too), each real folder once; folders too deep to walk are added
    to ``too_deep``."""
    real_root = Path(os.path.realpath(root))
    seen: set[str] = set()
    for folder in sorted(set(folders)):
        for current, dirs, files in walk(root / folder, followlinks=True, too_deep=too_deep.append):
            real = os.path.realpath(current)
            if real in seen or not Path(real).is_relative_to(real_root):
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = [d for d in dirs if d != ".git"]
            for name in files:
                yield (Path(current) / name).relative_to(root).as_posix()


def _file_digest(root: Path, real_root: Path, relative: str) -> bytes:
    """The content hash of one input; a symlink also contributes where it points, and what
    cannot be read as a regular file inside the repository contributes what it is instead
    (nothing outside the checkout is ever opened: the renders refuse what leaves it)."""
    path = root / relative
    parts = []
    with suppress(OSError):
        if path.is_symlink():
            parts.append(b"link:" + str(path.readlink()).encode("utf-8", "surrogateescape"))
    if not Path(os.path.realpath(path)).is_relative_to(real_root):
        return b"|".join([*parts, b"outside"])
    try:
        mode = path.stat().st_mode
    except OSError:
        return b"|".join([*parts, b"missing"])
    if not stat.S_ISREG(mode):  # never open a pipe or a device
        return b"|".join([*parts, b"not-a-file:%o" % stat.S_IFMT(mode)])
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        return b"|".join([*parts, f"unreadable:{exc.errno}".encode()])
    return b"|".join([*parts, digest.hexdigest().encode()])


class RenderCache:
    """Entries in one folder, bounded in size; safe to share between concurrent runs."""

    def __init__(self, folder: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def render(self, key: str, produce: Callable[[], CachedRender]) -> CachedRender:
        """The entry for ``key``, or ``produce()``'s result, stored for next time."""
        cached = self.get(key)
        if cached is not None:
            _LOGGER.debug("Render cache hit %s", key[:12])
            return cached
        result = produce()
        if result.cacheable:
            self.put(key, result)
        return result

    def get(self, key: str) -> CachedRender | None:
        """The verified entry for ``key``; None when missing, unreadable or corrupt."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _decode(data, key)
        if entry is None:
            _LOGGER.warning("Render cache entry %s is corrupt; rendering again", path)
            with suppress(OSError):
                path.unlink()
            return None
        with suppress(OSError):
            os.utime(path)  # least recently *used*
        return entry

    def put(self, key: str, entry: CachedRender) -> None:
        """Store ``entry`` atomically (an entry larger than the whole bound is not stored);
        :meth:`evict` brings the folder back within the bound."""
        data = _encode(key, entry)
        if len(data) > self.max_bytes:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                Path(temporary).replace(self._path(key))
            except BaseException:
                with suppress(OSError):
                    Path(temporary).unlink()
                raise
        except OSError as exc:
            _LOGGER.warning("Render cache %s cannot be written (%s); going on without it",
                            self.folder, exc)

    def evict(self) -> None:
        """Remove the least recently used entries until the folder holds at most ``max_bytes``."""
        entries = []
        with suppress(OSError), os.scandir(self.folder) as listing:
            for item in listing:
                if item.name.endswith(".entry"):
                    with suppress(OSError):
                        info = item.stat()
                        entries.append((info.st_mtime_ns, item.name, info.st_size))
        total = sum(size for _, _, size in entries)
        for _, name, size in sorted(entries):
            if total <= self.max_bytes:
                break
            with suppress(OSError):
                (self.folder / name).unlink()
            total -= size

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.entry"


def _encode(key: str, entry: CachedRender) -> bytes:
    header = {"key": key, "sizes": [len(o) for o in entry.outputs],
              "context": dict(entry.context), "findings": [_finding_data(f) for f in entry.findings]}
    body = json.dumps(header, sort_keys=True).encode() + b"\n" + b"".join(entry.outputs)
    return _MAGIC + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def _decode(data: bytes, key: str) -> CachedRender | None:
    first, _, body = data.partition(b"\n")
    magic, _, checksum = first.partition(b" ")
    if magic != _MAGIC or hashlib.sha256(body).hexdigest().encode() != checksum:
        return None
    line, _, rest = body.partition(b"\n")
    try:
        header = json.loads(line)
        if header["key"] != key or sum(header["sizes"]) != len(rest):
            return None
        outputs, offset = [], 0
        for size in header["sizes"]:
            outputs.append(rest[offset:offset + size])
            offset += size
        return CachedRender(outputs=tuple(outputs), context=dict(header["context"]),
                            findings=tuple(_finding_from(f) for f in header["findings"]))
    except (ValueError, KeyError, TypeError):
        return None


def _finding_data(finding: Finding) -> dict[str, object]:
    loc = finding.location
    return {"rule": finding.rule_id, "severity": finding.severity.label, "message": finding.message,
            "engine": finding.engine.value, "path": loc.path, "line": loc.line,
            "column": loc.column, "field": list(loc.field_path)}


def _finding_from(data: dict[str, object]) -> Finding:
    field_path = data["field"]
    if not isinstance(field_path, list):
        raise TypeError("field path")
    return Finding(rule_id=str(data["rule"]), severity=Severity.parse(str(data["severity"])),
                   message=str(data["message"]), engine=Engine(str(data["engine"])),
                   location=Location(path=str(data["path"]), line=int(str(data["line"])),
                                     column=int(str(data["column"])), field_path=tuple(field_path)))
