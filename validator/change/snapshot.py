"""A revision's files in a temporary folder, read-only for the user's repository, removed at exit.

Why neither ``git worktree add`` nor ``git archive``: both run attributes of the revision
being checked. ``git archive`` obeys ``export-ignore`` and ``export-subst`` from the
revision's own ``.gitattributes``, so a pull request could hide a file from the check;
a worktree checkout runs smudge filters (Git LFS fetches over the network), the
``post-checkout`` hook, end-of-line conversion, writes under ``.git/worktrees`` and
leaves an entry behind when interrupted. Instead the tree is listed (``git ls-tree``)
and its blobs are read in bounded batches (``git cat-file --batch``) and written as
committed, byte for byte:

- nothing is written to the repository, so a dirty checkout is never touched and an
  interrupted run leaves only a temporary folder, which the context manager removes
  (also on errors and Ctrl-C);
- symlinks become symlinks (created after every file, so no write goes through one;
  the render stage refuses those leaving the checkout);
- Git LFS files stay pointer files (nothing is fetched); submodules (gitlinks) are
  not materialised, and the change reports them as skipped;
- paths are checked (no absolute path, ``..``, ``.git``) and files are created with
  ``O_EXCL | O_NOFOLLOW``, so a crafted tree cannot write outside the folder.

The working-tree mode copies the files git would commit (tracked and untracked,
ignored ones left out) the same way.

A revision can also be written on demand (:func:`lazy_snapshot`): the tree is listed
once and only the files asked for are written, each call reading its blobs in one
``git cat-file --batch``, files before symlinks, with the same checks (every path of the
tree is checked when it is listed, before anything is written; a later write never goes
through a symlink written earlier: a parent that is a symlink is refused). ``diff``
writes the base this way when the base's plan is the head's (see
:mod:`validator.change.plan_reuse`): only what the base's affected targets read and what
no target reads (configuration, policies, schemas, data) is written.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from validator.change.git import git
from validator.change.revisions import WORKTREE
from validator.errors import ChangeError

#: Largest total size of blobs read by one ``git cat-file`` call (bytes).
BATCH_BYTES = 64 * 1024 * 1024

_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_MODE_EXEC, _MODE_LINK, _MODE_GITLINK = "100755", "120000", "160000"


@dataclass(frozen=True, kw_only=True)
class TreeEntry:
    """One file of a revision."""

    path: str
    """Repository-relative path (``os.fsdecode`` of git's bytes)."""
    mode: str
    """Git's octal mode: ``100644``, ``100755``, ``120000`` (symlink) or ``160000`` (submodule)."""
    blob: str
    """Object id of the content (empty in the working-tree mode)."""
    size: int
    """Size in bytes (0 for submodules)."""


@contextlib.contextmanager
def materialise(repo: Path, revision: str, *, parent: Path | None = None,
                entries: list[TreeEntry] | None = None) -> Iterator[Path]:
    """The files of ``revision`` (a full SHA, or :data:`WORKTREE`) in a temporary folder
    (``entries``: its tree, when the caller listed it already).

    The folder (under ``parent``, default the system's temporary folder) is removed when
    the ``with`` block ends, however it ends.
    """
    if revision == WORKTREE:
        with _folder(revision, parent) as folder:
            _guarded(revision, folder, lambda: _copy_worktree(repo, folder))
            yield folder
        return
    with lazy_snapshot(repo, revision, parent=parent, entries=entries) as snapshot:
        snapshot.write()
        yield snapshot.root


class Snapshot:
    """A revision's folder whose files are written when asked for (see the module docstring)."""

    def __init__(self, repo: Path, revision: str, root: Path, entries: list[TreeEntry]) -> None:
        self.repo, self.revision, self.root = repo, revision, root
        self.entries = {e.path: e for e in entries if e.mode != _MODE_GITLINK}
        """Path -> entry, every file of the revision (submodules left out)."""
        self.written: set[str] = set()
        """The paths written so far."""
        self._folders: set[Path] = set()
        for entry in self.entries.values():
            _check_path(entry.path)

    def write(self, paths: Iterable[str] | None = None) -> None:
        """Write ``paths`` (every file of the revision when None) not written yet; a path the
        revision lacks is passed over (a folder asked for is the caller's to expand)."""
        wanted = self.entries.keys() if paths is None else paths
        entries = [self.entries[p] for p in dict.fromkeys(wanted)
                   if p in self.entries and p not in self.written]
        _guarded(self.revision, self.root, lambda: self._write(entries))

    def under(self, folders: Iterable[str]) -> list[str]:
        """The revision's paths at or under each of ``folders`` (``.`` is everything)."""
        prefixes = tuple(dict.fromkeys(f.rstrip("/") + "/" for f in folders))
        if "./" in prefixes or "/" in prefixes:
            return list(self.entries)
        return [p for p in self.entries if p.startswith(prefixes) or f"{p}/" in prefixes]

    def _write(self, entries: list[TreeEntry]) -> None:
        links = [e for e in entries if e.mode == _MODE_LINK]
        files = [e for e in entries if e.mode != _MODE_LINK]
        for batch in _batches(files):
            contents = _read_blobs(self.repo, [e.blob for e in batch])
            for entry in batch:
                write_file(self.root, entry.path, contents[entry.blob],
                           executable=entry.mode == _MODE_EXEC, made=self._folders)
                self.written.add(entry.path)
        for batch in _batches(links):
            contents = _read_blobs(self.repo, [e.blob for e in batch])
            for entry in batch:
                write_symlink(self.root, entry.path, os.fsdecode(contents[entry.blob]),
                              made=self._folders)
                self.written.add(entry.path)


@contextlib.contextmanager
def lazy_snapshot(repo: Path, revision: str, *, parent: Path | None = None,
                  entries: list[TreeEntry] | None = None) -> Iterator[Snapshot]:
    """An empty folder for ``revision`` (a full SHA) with its tree listed (``entries``, when the
    caller listed it already): :meth:`Snapshot.write` writes the files asked for. Removed
    when the ``with`` block ends, however it ends."""
    with _folder(revision, parent) as folder:
        listed = list_tree(repo, revision) if entries is None else entries
        snapshot = Snapshot(repo, revision, folder, listed)
        yield snapshot


@contextlib.contextmanager
def _folder(revision: str, parent: Path | None) -> Iterator[Path]:
    if revision != WORKTREE and not _FULL_SHA.fullmatch(revision):
        raise ChangeError(f"{revision!r} is not a resolved commit: resolve it with resolve_revisions first")
    folder = Path(tempfile.mkdtemp(prefix="gitops-validator-rev-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, onerror=_force_remove)


def _guarded(revision: str, folder: Path, action: Callable[[], None]) -> None:
    try:
        action()
    except OSError as exc:  # a crafted tree: the same path twice, a file under a symlink
        name = str(exc.filename or "").removeprefix(f"{folder}/")
        raise ChangeError(f"cannot materialise {name!r} of revision {revision}: {exc.strerror}") from exc


def list_tree(repo: Path, revision: str) -> list[TreeEntry]:
    """Every file of ``revision`` (recursively), sorted by path."""
    out = git(repo, "ls-tree", "-r", "-l", "-z", "--full-tree", revision).stdout
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, _kind, blob, size = meta.split()
        entries.append(TreeEntry(path=os.fsdecode(raw_path), mode=mode.decode(), blob=blob.decode(),
                                 size=0 if size == b"-" else int(size)))
    return entries


def read_blobs(repo: Path, blobs: list[str]) -> dict[str, bytes]:
    """``{object id: content}`` of ``blobs``, in bounded batches."""
    return {oid: data for start in range(0, len(blobs), 1000)
            for oid, data in _read_blobs(repo, blobs[start:start + 1000]).items()}


def _batches(entries: list[TreeEntry]) -> Iterator[list[TreeEntry]]:
    batch: list[TreeEntry] = []
    total = 0
    for entry in entries:
        if batch and total + entry.size > BATCH_BYTES:
            yield batch
            batch, total = [], 0
        batch.append(entry)
        total += entry.size
    if batch:
        yield batch


def _read_blobs(repo: Path, blobs: list[str]) -> dict[str, bytes]:
    """``{object id: content}`` from one ``git cat-file --batch`` call."""
    unique = list(dict.fromkeys(blobs))
    out = git(repo, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in unique).encode(),
              timeout=600.0).stdout
    contents: dict[str, bytes] = {}
    pos = 0
    while len(contents) < len(unique):
        header_end = out.index(b"\n", pos)
        fields = out[pos:header_end].decode("ascii", "replace").split()
        if len(fields) != 3 or fields[1] != "blob":
            raise ChangeError(f"git cannot read the file object {fields[0]}: {' '.join(fields[1:])}")
        oid, _kind, size = fields
        start = header_end + 1
        contents[oid] = out[start:start + int(size)]
        pos = start + int(size) + 1
    return contents


def prune(root: Path, entries: Mapping[str, TreeEntry], paths: Iterable[str],
          stop: threading.Event) -> None:
    """Remove ``paths`` of a snapshot written at ``root`` whose listing is ``entries``, and the
    folders that become empty, until ``stop`` is set: a snapshot shrinks to what is still read
    while the rest of the run goes on, so less is left to remove at the end. Only paths of the
    listing are removed: their parent folders were created by the writer (never a symlink),
    and ``unlink`` removes a symlink itself, never what it points at."""
    folders: set[str] = set()
    for path in paths:
        if stop.is_set():
            return
        if path in entries and entries[path].mode != _MODE_GITLINK:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(root, path))  # noqa: PTH108, PTH118 - hundreds of files
            folders.add(posixpath.dirname(path))
    for deepest in sorted(folders, key=lambda f: -f.count("/")):
        folder = deepest
        while folder and not stop.is_set():
            try:
                os.rmdir(os.path.join(root, folder))  # noqa: PTH106, PTH118
            except OSError:  # not empty (or gone): its parents are not either
                break
            folder = posixpath.dirname(folder)


def _copy_worktree(repo: Path, folder: Path) -> None:
    """The files git would commit from the working tree: tracked (as on disk) and untracked,
    ignored ones left out; deleted files, submodules and nested repositories are not copied."""
    out = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate").stdout
    for raw in out.split(b"\0"):
        if not raw or raw.endswith(b"/"):  # "nested/": an untracked repository, like a submodule
            continue
        path = os.fsdecode(raw)
        _check_path(path)
        source = repo / path
        try:
            info = source.lstat()
        except FileNotFoundError:
            continue  # deleted in the working tree: not part of the head
        if stat.S_ISLNK(info.st_mode):
            write_symlink(folder, path, str(source.readlink()))
        elif stat.S_ISREG(info.st_mode):
            write_file(folder, path, _read_no_follow(source), executable=bool(info.st_mode & stat.S_IXUSR))


def _read_no_follow(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def write_file(folder: Path, path: str, content: bytes, *, executable: bool,
               made: set[Path] | None = None) -> None:
    """Create ``folder/path`` with ``content``; never follows a symlink, never overwrites.

    ``made``: the folders this writer created itself (they are known to be folders)."""
    target = folder / path
    _make_parents(folder, target, made)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o755 if executable else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def write_symlink(folder: Path, path: str, link: str, *, made: set[Path] | None = None) -> None:
    """Create the symlink ``folder/path`` pointing at ``link`` (as committed)."""
    target = folder / path
    _make_parents(folder, target, made)
    target.symlink_to(link)


def _make_parents(folder: Path, target: Path, made: set[Path] | None = None) -> None:
    """Create the folders above ``target``; one that exists must be a real folder. A folder in
    ``made`` was created by this writer with ``mkdir`` (nothing can have replaced it: a file or
    a symlink at its path would have failed ``O_EXCL``), so it is not looked at again."""
    current = folder
    for part in target.relative_to(folder).parts[:-1]:
        current = current / part
        if made is not None and current in made:
            continue
        try:
            current.mkdir()
        except FileExistsError:
            if current.is_symlink() or not current.is_dir():
                raise ChangeError(f"{current.relative_to(folder)} is not a folder in this revision") from None
            continue
        if made is not None:
            made.add(current)


def _check_path(path: str) -> None:
    parts = path.split("/")
    if path.startswith("/") or any(p in {"", ".", ".."} or p.lower() == ".git" for p in parts):
        raise ChangeError(f"refusing the path {path!r} of this revision: it would leave the checkout")


def _force_remove(_func: object, path: str, _exc: object) -> None:
    """``rmtree`` error handler: make a read-only folder writable and try once more."""
    entry = Path(path)
    with contextlib.suppress(OSError):
        entry.parent.chmod(0o700)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink()
