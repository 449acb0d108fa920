"""Open only what was meant: regular files, inside the given folder, never through a link.

* :func:`read_regular_file` opens with ``O_NOFOLLOW | O_NONBLOCK`` and checks the opened
  descriptor (``fstat``), so a symlink, a FIFO (which would block), a device or a socket is
  refused, and a file swapped for a link between listing and reading is refused too.
* :func:`walk_folder` lists a folder without following links: a symlink (to a file or to
  a folder), a device, a FIFO or a socket inside it is reported, one line each, never read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import FileTooLarge, IngestError, NotARegularFile

SYMLINK = "là liên kết tượng trưng (symlink)"
OUTSIDE = "nằm ngoài thư mục được chỉ định"


def kind_of(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return SYMLINK
    if stat.S_ISFIFO(mode):
        return "là ống dẫn (FIFO), không phải tệp thường"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "là tệp thiết bị, không phải tệp thường"
    if stat.S_ISSOCK(mode):
        return "là socket, không phải tệp thường"
    if stat.S_ISDIR(mode):
        return "là thư mục"
    return "không phải tệp thường"


def read_regular_file(path: Path, max_bytes: int, limit_mb: float) -> bytes:
    """The bytes of a regular file named by ``path`` itself (not through a final symlink)."""
    name = path.name
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:  # O_NOFOLLOW on a symlink
            raise NotARegularFile(name, SYMLINK) from e
        if e.errno in (errno.ENXIO, errno.ENODEV):  # a socket or a device with no reader
            raise NotARegularFile(name, "không phải tệp thường") from e
        raise IngestError(f"Không đọc được tệp {name} ({e.strerror or e}).", source=name) from e
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        why = kind_of(st.st_mode)
        if why is not None:
            raise NotARegularFile(name, why)
        if st.st_size > max_bytes:
            raise FileTooLarge(name, st.st_size / (1024 * 1024), limit_mb)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while being read
        raise FileTooLarge(name, len(data) / (1024 * 1024), limit_mb)
    return data


def walk_folder(root: Path, extensions: tuple[str, ...]) -> Iterator[tuple[Path, IngestError | None]]:
    """Files under ``root`` with a supported extension, sorted; links and special files reported.

    Folders reached through a symlink are not entered. Files whose extension is not
    supported are skipped silently (a folder of reports often holds other files)."""
    root_real = Path(os.path.realpath(root))
    found: list[tuple[Path, IngestError | None]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for d in list(dirnames):
            p = here / d
            if p.is_symlink():
                dirnames.remove(d)
                found.append((p, NotARegularFile(_rel(p, root), SYMLINK)))
        for f in filenames:
            p = here / f
            if f.startswith("~$"):
                continue  # Word lock files
            try:
                st = os.lstat(p)
            except OSError as e:
                found.append((p, IngestError(f"Không đọc được {_rel(p, root)} ({e.strerror}).", source=f)))
                continue
            why = kind_of(st.st_mode)
            if why is None and not _inside(p, root_real):
                why = OUTSIDE
            if why is not None:
                found.append((p, NotARegularFile(_rel(p, root), why)))
            elif p.suffix.lower() in extensions:
                found.append((p, None))
    yield from sorted(found, key=lambda it: str(it[0]))


def _inside(p: Path, root_real: Path) -> bool:
    real = Path(os.path.realpath(p))
    return real == root_real or root_real in real.parents


def _rel(p: Path, root: Path) -> str:
    try:
        return str(p.relative_to(root))
    except ValueError:
        return p.name
