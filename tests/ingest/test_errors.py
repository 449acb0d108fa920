"""Every bad input gives one clear Vietnamese message and the right exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from baocao.settings import Settings, load_settings
from ingest import errors
from ingest.pipeline import parse_file, parse_text

from . import makers

pytestmark = pytest.mark.unit

TCVN3 = (
    "Céng hßa x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\n"
    "B¸o c¸o t×nh h×nh thùc hiÖn nhiÖm vô kinh tÕ - x· héi n¨m 2023 cña UBND ph­êng Ng« QuyÒn. "
    "Tæng thu ng©n s¸ch ph­êng ­íc ®¹t 17 tû ®ång.\n"
)
VNI = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam\nBaùo caùo tình hình kinh teá xaõ hoäi naêm 2023 cuûa UBND phöôøng.\n"


def _one_sentence(msg: str) -> None:
    assert msg and msg[0].isupper() and msg.endswith(".") and "\n" not in msg


def _raises(
    exc: type[errors.IngestError], path: Path, settings: Settings, **kw: object
) -> errors.IngestError:
    with pytest.raises(exc) as ei:
        parse_file(path, settings, **kw)  # type: ignore[arg-type]
    _one_sentence(ei.value.message_vi)
    assert str(ei.value) == ei.value.message_vi
    return ei.value


def test_empty_file(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "rong.txt"
    p.write_bytes(b"")
    assert "rỗng" in _raises(errors.EmptyFile, p, settings).message_vi
    p.write_text("  \n\n \t\n", encoding="utf-8")
    _raises(errors.EmptyFile, p, settings)


def test_binary_garbage(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "rac.txt"
    p.write_bytes(bytes(range(256)) * 40)
    e = _raises(errors.UndecodableText, p, settings)
    assert "nhị phân" in e.message_vi or "bảng mã" in e.message_vi


def test_unsupported_extension(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "bang.xlsx"
    p.write_bytes(b"x")
    e = _raises(errors.UnsupportedFormat, p, settings)
    assert ".docx" in e.message_vi and ".pdf" in e.message_vi and ".txt" in e.message_vi
    p = tmp_path / "cu.doc"
    p.write_bytes(b"x")
    assert "lưu lại dưới dạng .docx" in _raises(errors.UnsupportedFormat, p, settings).message_vi


def test_corrupt_pdf(tmp_path: Path, settings: Settings, fonts: tuple[Path, Path]) -> None:
    good = makers.make_pdf(tmp_path / "good.pdf", fonts).read_bytes()
    p = tmp_path / "hong.pdf"
    p.write_bytes(good[: len(good) // 4])
    _raises(errors.CorruptPdf, p, settings)
    p.write_bytes(b"day khong phai PDF")
    assert "PDF" in _raises(errors.CorruptPdf, p, settings).message_vi


def test_encrypted_pdf(tmp_path: Path, settings: Settings, fonts: tuple[Path, Path]) -> None:
    src = makers.make_pdf(tmp_path / "src.pdf", fonts)
    p = makers.make_encrypted_pdf(src, tmp_path / "khoa.pdf")
    assert "mật khẩu" in _raises(errors.EncryptedPdf, p, settings).message_vi


def test_scanned_pdf(tmp_path: Path, settings: Settings) -> None:
    p = makers.make_scanned_pdf(tmp_path / "quet.pdf")
    assert "OCR" in _raises(errors.ScannedPdf, p, settings).message_vi


def test_file_too_large(tmp_path: Path) -> None:
    tiny = load_settings(max_file_mb=0.001, data_dir=tmp_path)
    p = tmp_path / "lon.txt"
    p.write_text("phường Ngô Quyền " * 200, encoding="utf-8")
    e = _raises(errors.FileTooLarge, p, tiny)
    assert "0.001 MB" in e.message_vi


def test_undecodable_bytes(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "ma.txt"
    p.write_bytes(bytes(range(0x80, 0x100)) * 30)
    e = _raises(errors.UndecodableText, p, settings)
    assert "UTF-8" in e.message_vi and "TCVN3" in e.message_vi


@pytest.mark.parametrize(("name", "sample"), [("tcvn3", TCVN3), ("vni", VNI)])
def test_legacy_vietnamese_encodings(tmp_path: Path, settings: Settings, name: str, sample: str) -> None:
    p = tmp_path / f"{name}.txt"
    p.write_bytes(sample.encode("cp1252"))  # 8-bit file as saved by old Vietnamese fonts
    e = _raises(errors.UndecodableText, p, settings)
    assert "TCVN3" in e.message_vi and "VNI" in e.message_vi and "Unicode" in e.message_vi
    q = tmp_path / f"{name}_utf8.txt"
    q.write_text(sample, encoding="utf-8")  # the same mojibake pasted into a UTF-8 file
    _raises(errors.UndecodableText, q, settings)


def test_docx_that_is_a_zip_of_something_else(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "gia.docx"
    p.write_bytes(makers.zip_of_something_else())
    _raises(errors.CorruptDocx, p, settings)
    p.write_bytes(b"PK\x03\x04 not really a zip")
    assert "Word" in _raises(errors.CorruptDocx, p, settings).message_vi


def test_no_ward_then_ward_override(tmp_path: Path, settings: Settings) -> None:
    text = "BÁO CÁO\nTình hình kinh tế năm 2023\n\nI. KINH TẾ\n\nThu ngân sách đạt 12 tỷ đồng, tăng 5% so với năm trước.\n"
    p = tmp_path / "khong_ten.txt"
    p.write_text(text, encoding="utf-8")
    assert "--ward" in _raises(errors.NoWardFound, p, settings).message_vi
    doc = parse_file(p, settings, ward="xã Đức Giang")
    assert (doc.metadata.ward, doc.metadata.ward_kind) == ("Đức Giang", "xã")
    assert doc.chunks[0].embed_text.startswith("xã Đức Giang · Báo cáo")


def test_not_a_report(settings: Settings) -> None:
    with pytest.raises(errors.NotAReport):
        parse_text("UBND phường Hội Phú", "x.txt")


def test_all_errors_are_ingest_errors() -> None:
    for cls in (
        errors.EmptyFile,
        errors.UnsupportedFormat,
        errors.FileTooLarge,
        errors.UndecodableText,
        errors.CorruptPdf,
        errors.EncryptedPdf,
        errors.ScannedPdf,
        errors.CorruptDocx,
        errors.NoWardFound,
        errors.NotAReport,
    ):
        assert issubclass(cls, errors.IngestError)
