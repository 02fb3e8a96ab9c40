"""Files Saldo writes (pain.008 for the bank, the journal export, the demo's, reports): whole or not at all.

A file is written under a temporary name in its target's folder, flushed and ``fsync``-ed, then renamed
over the target (``os.replace``, atomic on POSIX and Windows) and the folder ``fsync``-ed so the rename
itself survives a power cut. Whoever reads the target — a bank upload job, the accounting system —
sees the old file or the new one, never half of one, even if Saldo is killed (``kill -9``) mid-write;
an error while writing leaves the old file and removes the temporary one. A process killed mid-write
leaves its temporary file behind (``.<name>.<random>.tmp``, next to the target): never the target.

The new file gets the permissions of the file it replaces, or the usual ones (``0666`` less the umask),
unless the writer names them (``mode=0o600`` for a file of secrets). :func:`create_once` writes a file
that must never be replaced (a generated secret): linked into place only if none is there yet.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomically(folder / "pain.008.xml", b"<Document/>")
>>> (folder / "pain.008.xml").read_bytes()
b'<Document/>'
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TextIO, TypeVar, cast

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

S = TypeVar("S", bound=IO[Any])

_umask_lock = threading.Lock()


def _default_mode() -> int:
    with _umask_lock:  # the umask can only be read by setting it: keep other writers out meanwhile
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


class Staged(io.RawIOBase):
    """A file being written beside its target under a temporary name; :meth:`commit` puts it in place."""

    def __init__(self, target: str | os.PathLike[str], mode: int | None = None) -> None:
        super().__init__()
        self.target = Path(target)
        self.mode = mode
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        self.temporary = Path(name)
        self.stream = open(fd, "wb", buffering=0)  # noqa: SIM115 - closed by commit or discard
        self.committed = False

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += self.stream.write(view[done:]) or 0
        return done

    def commit(self, replace: bool = True) -> bool:
        """Make the bytes durable, then the file: fsync it, rename it over the target, fsync the folder.
        With ``replace=False`` it is linked into place only if there is no target yet (False if there was)."""
        mode = self.mode
        if mode is None:
            try:
                mode = stat.S_IMODE(self.target.stat().st_mode)
            except FileNotFoundError:
                mode = _default_mode()
        os.chmod(self.stream.fileno(), mode)
        os.fsync(self.stream.fileno())
        self.stream.close()
        placed = True
        if replace:
            os.replace(self.temporary, self.target)
            self.committed = True
        else:
            try:
                os.link(self.temporary, self.target)  # never over an existing file
            except FileExistsError:
                placed = False
        _fsync_folder(self.target.parent)
        return placed

    def close(self) -> None:
        self.stream.close()
        super().close()

    def discard(self) -> None:
        """Unless committed: drop the temporary file (the target, if any, is untouched)."""
        self.close()
        if not self.committed:
            with suppress(FileNotFoundError):
                self.temporary.unlink()


def _fsync_folder(folder: Path) -> None:
    """So that the rename is on disk too (POSIX); folders cannot be opened for this on Windows."""
    if os.name != "posix":  # pragma: no cover - the suite runs on POSIX
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _written(path: str | os.PathLike[str], wrap: Callable[[Staged], S], mode: int | None = None
             ) -> Iterator[S]:
    staged = Staged(path, mode)
    out = wrap(staged)
    try:
        yield out
        out.flush()
        staged.commit()
    finally:
        with suppress(OSError, ValueError):  # on an error, what is still buffered goes nowhere
            out.close()
        staged.discard()


def binary_file(path: str | os.PathLike[str]) -> AbstractContextManager[BinaryIO]:
    """``with binary_file(path) as out: out.write(...)`` — the file appears whole when the block ends."""
    return _written(path, lambda staged: cast(BinaryIO, io.BufferedWriter(staged)))


def text_file(path: str | os.PathLike[str], *, encoding: str = "utf-8", newline: str | None = None
              ) -> AbstractContextManager[TextIO]:
    """Like :func:`binary_file`, for text (``newline=""`` for CSV, as :func:`open` takes it)."""
    return _written(
        path, lambda staged: io.TextIOWrapper(io.BufferedWriter(staged), encoding=encoding, newline=newline)
    )


def write_atomically(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` whole or not at all (see the module docstring)."""
    with _written(path, lambda staged: cast(BinaryIO, io.BufferedWriter(staged)), mode) as out:
        out.write(data)


def create_once(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o600) -> bool:
    """Write ``path`` whole if it does not exist yet; False (and the file untouched) if it does. Two
    processes racing both succeed and agree on the first one's content."""
    staged = Staged(path, mode)
    try:
        staged.write(data)
        return staged.commit(replace=False)
    finally:
        staged.discard()
