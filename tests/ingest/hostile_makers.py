"""Hostile files made in tmp dirs: zip bombs, lying zips, many-member zips, PDF bombs."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from tests.ingest.makers import make_docx

PARA = (
    "<w:p><w:r><w:t>Tổng thu ngân sách phường ước đạt 12.345.678 đồng, "
    "đạt 104,4% kế hoạch năm.</w:t></w:r></w:p>"
)


def docx_bomb(path: Path, xml_mb: float, tmp: Path) -> Path:
    """A real .docx (python-docx opens it) whose document.xml inflates to ``xml_mb`` MB."""
    src = make_docx(tmp / "_bomb_src.docx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                s = data.decode("utf-8")
                i = s.index("<w:body>") + len("<w:body>")
                n = int(xml_mb * 1024 * 1024 / len(PARA.encode("utf-8")))
                data = (s[:i] + PARA * n + s[i:]).encode("utf-8")
            z.writestr(info, data)
    return path


def docx_many_members(path: Path, n: int, tmp: Path) -> Path:
    src = make_docx(tmp / "_members_src.docx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        for i in range(n):
            z.writestr(f"customXml/item{i}.bin", b"x")
    return path


def docx_with_media(path: Path, media_mb: float, tmp: Path) -> Path:
    """A .docx with one highly compressible non-XML member of ``media_mb`` MB."""
    src = make_docx(tmp / "_media_src.docx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        z.writestr("word/media/image1.bmp", b"\0" * int(media_mb * 1024 * 1024))
    return path


def lying_zip_docx(path: Path, tmp: Path) -> Path:
    """A .docx whose document.xml entry declares 1 KB but inflates to 30 MB."""
    docx_bomb(path, 30, tmp)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("word/document.xml")
    real = info.file_size
    small = (1024).to_bytes(4, "little")
    # local header: uncompressed size at offset 22; central directory: at offset 24
    lh = info.header_offset
    raw[lh + 22 : lh + 26] = small
    name = b"word/document.xml"
    pos = raw.find(name, len(raw) - 4096)
    cd = raw.rfind(b"PK\x01\x02", 0, pos)
    assert int.from_bytes(raw[cd + 24 : cd + 28], "little") == real
    raw[cd + 24 : cd + 28] = small
    path.write_bytes(bytes(raw))
    return path


def pdf_stream_bomb(path: Path, inflated_mb: int, twice: bool = False) -> Path:
    """A one-page PDF whose content stream (FlateDecode) inflates to ``inflated_mb`` MB of spaces.

    ``twice``: the stream is compressed twice (``/Filter [/FlateDecode /FlateDecode]``), so
    only the PDF parser itself can inflate it."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    body = b"".join(comp.compress(chunk) for _ in range(inflated_mb)) + comp.flush()
    filt = b"/FlateDecode"
    if twice:
        body, filt = zlib.compress(body, 9), b"[/FlateDecode /FlateDecode]"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter %s >>\nstream\n" % (len(body), filt) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def pdf_declaring_pages(path: Path, declared: int) -> Path:
    """A small PDF whose page tree claims ``declared`` pages (only one is really there)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % declared,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path
