"""Limits on what one file may expand to, checked while it is read, never after.

A small file can hold a lot: a 270 KB ``.docx`` may inflate to 50 MB of XML, a PDF may
declare 100,000 pages. Every loader gets a :class:`ReadBudget` and calls it as it goes:

* DOCX (a zip): :func:`check_zip` streams every member through the decompressor with a
  running byte count and stops at the first member over the member count, the XML budget
  or the total budget — before python-docx sees the file, and without holding the output.
* PDF: the page count declared by the document catalog is checked before any page is
  parsed; each page's content streams are inflated piece by piece, counted and thrown away
  before the page is parsed (:func:`count_inflated`, :meth:`ReadBudget.add_inflated`); :meth:`ReadBudget.add_chars` counts the text of
  each page as it is extracted.
* Every loader: :meth:`ReadBudget.tick` between paragraphs/pages enforces the wall-clock
  budget; ``ingest.sandbox`` adds a hard memory and time limit around PDF/DOCX reading.

Over any limit: :class:`ingest.errors.LimitExceeded`, whose message names the limit and
the ``BAOCAO_…`` variable that sets it.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from ingest.errors import CorruptDocx, LimitExceeded

if TYPE_CHECKING:
    from baocao.settings import Settings

MB = 1024 * 1024
_CHUNK = 256 * 1024


def _mb(n: float) -> str:
    return f"{n:.3g} MB"


@dataclass(frozen=True)
class ReadLimits:
    max_unzipped_bytes: int = 100 * MB
    max_xml_bytes: int = 20 * MB
    max_zip_members: int = 1000
    max_pdf_pages: int = 2000
    max_chars: int = 5_000_000
    max_seconds: float = 300.0
    max_memory_mb: int = 768

    @classmethod
    def from_settings(cls, s: Settings) -> ReadLimits:
        return cls(
            max_unzipped_bytes=int(s.max_unzipped_mb * MB),
            max_xml_bytes=int(s.max_xml_mb * MB),
            max_zip_members=s.max_zip_members,
            max_pdf_pages=s.max_pdf_pages,
            max_chars=s.max_chars,
            max_seconds=s.parse_timeout_s,
            max_memory_mb=s.parse_memory_mb,
        )


class ReadBudget:
    """Running counters for one file; every ``add_*``/``tick`` raises once a limit is passed."""

    def __init__(self, limits: ReadLimits, source: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.source = source
        self.clock = clock
        self.deadline = clock() + limits.max_seconds
        self.chars = 0
        self.inflated = 0

    def add_inflated(self, n: int) -> None:
        """Bytes produced by decompression (PDF content streams)."""
        self.inflated += n
        if self.inflated > self.limits.max_unzipped_bytes:
            raise LimitExceeded(
                self.source,
                "dung lượng sau giải nén",
                f"hơn {_mb(self.limits.max_unzipped_bytes / MB)}",
                "BAOCAO_MAX_UNZIPPED_MB",
            )
        self.tick()

    def tick(self) -> None:
        if self.clock() > self.deadline:
            raise time_exceeded(self.source, self.limits)

    def add_chars(self, n: int) -> None:
        self.chars += n
        if self.chars > self.limits.max_chars:
            raise LimitExceeded(
                self.source,
                "số ký tự trích ra",
                f"tối đa {self.limits.max_chars:,} ký tự".replace(",", "."),
                "BAOCAO_MAX_CHARS",
            )
        self.tick()

    def check_pages(self, n: int) -> None:
        if n > self.limits.max_pdf_pages:
            raise LimitExceeded(
                self.source,
                "số trang",
                f"{n} trang, tối đa {self.limits.max_pdf_pages}",
                "BAOCAO_MAX_PDF_PAGES",
            )


def time_exceeded(source: str, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(
        source, "thời gian đọc", f"quá {limits.max_seconds:g} giây", "BAOCAO_PARSE_TIMEOUT_S"
    )


def memory_exceeded(source: str, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(source, "bộ nhớ khi đọc", f"quá {limits.max_memory_mb} MB", "BAOCAO_PARSE_MEMORY_MB")


def count_inflated(raw: bytes, budget: ReadBudget) -> None:
    """Inflate a zlib (PDF FlateDecode) stream 256 KB at a time, counting and discarding.

    A corrupt stream ends the count quietly: the parser reports it when it reads the page."""
    d = zlib.decompressobj()
    try:
        piece = d.decompress(raw, _CHUNK)
        while piece:
            budget.add_inflated(len(piece))
            piece = d.decompress(d.unconsumed_tail, _CHUNK)
    except zlib.error:
        return


def _is_xml(name: str) -> bool:
    return name.lower().endswith((".xml", ".rels"))


def check_zip(fh: IO[bytes], budget: ReadBudget) -> None:
    """Stream every member of the zip in ``fh`` and count what it inflates to.

    The sizes written in the zip are not trusted: the bytes really produced by the
    decompressor are counted, 256 KB at a time, and nothing is kept.
    """
    lim, src = budget.limits, budget.source
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise CorruptDocx(src, str(e)) from e
    with zf:
        infos = zf.infolist()
        if len(infos) > lim.max_zip_members:
            raise LimitExceeded(
                src,
                "số thành phần trong tệp nén",
                f"{len(infos)} thành phần, tối đa {lim.max_zip_members}",
                "BAOCAO_MAX_ZIP_MEMBERS",
            )
        total = xml = 0
        for info in infos:
            try:
                with zf.open(info) as member:
                    while True:
                        piece = member.read(_CHUNK)
                        if not piece:
                            break
                        total += len(piece)
                        if _is_xml(info.filename):
                            xml += len(piece)
                        _check_unzipped(src, lim, total, xml)
                        budget.tick()
            except LimitExceeded:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
                raise CorruptDocx(src, f"{info.filename}: {e}") from e
            except Exception as e:  # zlib.error and the like
                raise CorruptDocx(src, f"{info.filename}: {type(e).__name__}: {e}") from e


def _check_unzipped(src: str, lim: ReadLimits, total: int, xml: int) -> None:
    if xml > lim.max_xml_bytes:
        raise LimitExceeded(
            src,
            "dung lượng XML sau giải nén",
            f"hơn {_mb(lim.max_xml_bytes / MB)}",
            "BAOCAO_MAX_XML_MB",
        )
    if total > lim.max_unzipped_bytes:
        raise LimitExceeded(
            src,
            "dung lượng sau giải nén",
            f"hơn {_mb(lim.max_unzipped_bytes / MB)}",
            "BAOCAO_MAX_UNZIPPED_MB",
        )
