"""Safe rendering of report text (pure functions, no Streamlit session)."""

from __future__ import annotations

import re

import pytest

from ui.render import answer_markdown, escape_md, escape_stream_piece, passage_markdown

pytestmark = pytest.mark.unit

NASTY = (
    "<script>alert(1)</script> <b>đậm</b> ![x](http://evil/x.png) [link](javascript:alert(1)) "
    "`code` *em* _em_ ~~del~~ $x^2$ :red[đỏ] | a | b | <img src=x onerror=alert(1)> &amp; www.evil.com"
)


def _no_live_markup(md: str) -> None:
    assert "<" not in md and ">" not in md
    # every Markdown/Streamlit special character is backslash-escaped
    assert re.search(r"(?<!\\)[`*_~$|\[\]():!]", md) is None, md
    assert "www." not in md


def test_escape_md_neutralises_html_and_markdown() -> None:
    md = escape_md(NASTY)
    _no_live_markup(md)
    assert "&lt;script&gt;" in md and "&lt;b&gt;đậm&lt;/b&gt;" in md
    assert "&amp;amp;" in md  # an entity in the report is shown as typed


@pytest.mark.parametrize(
    ("line", "expected_start"),
    [
        ("# Tiêu đề", "\\#"),
        ("- gạch đầu dòng", "\\-"),
        ("+ cộng", "\\+"),
        ("1. Công tác Tài chính", "1\\."),
        ("===", "\\="),
        ("    thụt lề bốn dấu cách", "thụt"),
        ("> trích dẫn", "&gt;"),
    ],
)
def test_escape_md_line_starts(line: str, expected_start: str) -> None:
    assert escape_md(line).startswith(expected_start)


def test_numbers_stay_readable() -> None:
    md = escape_md("Thu ngân sách 15.300.000.000đ đạt 268,43% kế hoạch")
    assert "15.300.000.000đ" in md and "268,43%" in md


def test_answer_keeps_markers_and_bullets_only() -> None:
    ans = "Theo báo cáo, thu <b>x</b> đạt 5 tỷ [1].\n- mục một *a* [2]\n- mục hai [2]"
    md = answer_markdown(ans)
    assert "**\\[1\\]**" in md and "**\\[2\\]**" in md
    assert "\n- mục một \\*a\\*" in md
    assert "&lt;b&gt;" in md and "<b>" not in md


def test_passage_highlights_quote_from_escaped_text() -> None:
    text = "1. Tài chính\nThu ngân sách <i>phường</i> ước:   15.300.000.000đ [x](y).\nChi ngân sách 5 tỷ."
    md, found = passage_markdown(text, "Thu ngân sách <i>phường</i> ước: 15.300.000.000đ [x](y).")
    assert found
    assert ":orange-background[Thu ngân sách &lt;i&gt;phường&lt;/i&gt; ước\\:" in md
    assert "\\[x\\]\\(y\\)" in md and "](y)" not in md
    assert md.startswith("1\\. Tài chính")


def test_passage_without_quote_match() -> None:
    md, found = passage_markdown("Một đoạn <u>văn</u>.", "câu không có")
    assert not found and "&lt;u&gt;" in md


def test_stream_piece_escapes_everything() -> None:
    piece = escape_stream_piece("- 1. <b>x</b> [1] *y*")
    assert "<" not in piece and "\\[1\\]" in piece and "\\*y\\*" in piece and piece.startswith("\\-")


def test_a_citation_label_never_calls_a_plan_a_generic_document() -> None:
    from assistant.types import Citation
    from ui.format import document_label

    base = {"n": 1, "ward": "Xương Giang", "section": "", "text": "", "source": "000.txt"}
    full = Citation(**base, document="Kế hoạch", doc_type="Kế hoạch", doc_number="", date="2023-08-30")
    assert document_label(full) == "Kế hoạch ngày 30/08/2023"
    # a comparison cites the indicator table's record: its label, not "Văn bản ngày …"
    from_table = Citation(**base, document="Kế hoạch ngày 30/8/2023", date="2023-08-30")
    assert document_label(from_table) == "Kế hoạch ngày 30/8/2023"
