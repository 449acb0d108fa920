"""The end matter of a report: the recipients list ("Nơi nhận") is kept as a passage of its own,
beside the signature block, whether the text puts it after the body, glues it to the last
paragraph of a hard-wrapped text, or lays it out beside the signer."""

from __future__ import annotations

from ingest.models import RECIPIENTS_HEADING, SIGNATURE_HEADING
from ingest.pipeline import parse_text

HEAD = (
    "ỦY BAN NHÂN DÂN XÃ TÂN LẬP\nSố: 88/BC-UBND\nTân Lập, ngày 20 tháng 6 năm 2024\n\nBÁO CÁO\n"
    "Kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội 6 tháng đầu năm 2024\n\n"
    "I. KINH TẾ\n\nTổng thu ngân sách xã ước đạt 2.150 triệu đồng, bằng 61% dự toán huyện giao.\n\n"
)


def _sections(text: str) -> dict[str, str]:
    doc = parse_text(text, "tan_lap.txt")
    return {
        c.heading_path[0]: c.text
        for c in doc.chunks
        if c.heading_path[:1] in ([RECIPIENTS_HEADING], [SIGNATURE_HEADING])
    }


def test_recipients_after_the_body() -> None:
    got = _sections(
        HEAD + "Trên đây là báo cáo của UBND xã Tân Lập./.\n\nNơi nhận:\n- UBND huyện (b/c);\n"
        "- Thường trực Đảng ủy xã;\n- Lưu: VP.\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nLò Văn Hùng\n"
    )
    assert got[RECIPIENTS_HEADING] == "Nơi nhận:\n- UBND huyện (b/c);\n- Thường trực Đảng ủy xã;\n- Lưu: VP."
    assert got[SIGNATURE_HEADING].endswith("Lò Văn Hùng")


def test_recipients_not_glued_to_a_wrapped_last_paragraph() -> None:
    wrapped = (
        "Trên đây là báo cáo kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội sáu tháng\n"
        "đầu năm 2024 của Ủy ban nhân dân xã Tân Lập, huyện Sông Mã, tỉnh Sơn La gửi các cơ\n"
        "quan, đơn vị liên quan để theo dõi, tổng hợp và chỉ đạo thực hiện trong thời gian tới./.\n"
        "Nơi nhận:\n- Phòng Tài chính - Kế hoạch huyện;\n- Đảng ủy, HĐND xã;\n- Lưu: VT.\n"
        "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nLò Văn Hùng\n"
    )
    doc = parse_text(HEAD.replace("\n\n", "\n") + wrapped, "tan_lap.txt")
    body = "\n".join(c.text for c in doc.chunks if c.heading_path[:1] != [RECIPIENTS_HEADING])
    assert "Nơi nhận" not in body
    rec = next(c.text for c in doc.chunks if c.heading_path == [RECIPIENTS_HEADING])
    assert rec.splitlines()[1:] == [
        "- Phòng Tài chính - Kế hoạch huyện;",
        "- Đảng ủy, HĐND xã;",
        "- Lưu: VT.",
    ]


def test_recipients_beside_the_signer_and_items_over_two_lines() -> None:
    got = _sections(
        HEAD + "Nơi nhận:\n- UBND huyện\n(để báo cáo);\n- Các ban, ngành, đoàn thể xã;\n"
        "- Lưu: VT. KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nĐinh Thị Mai\n"
    )
    assert got[RECIPIENTS_HEADING].splitlines() == [
        "Nơi nhận:",
        "- UBND huyện (để báo cáo);",
        "- Các ban, ngành, đoàn thể xã;",
        "- Lưu: VT.",
    ]


def test_no_recipients_list_no_passage() -> None:
    assert RECIPIENTS_HEADING not in _sections(HEAD + "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nLò Văn Hùng\n")
