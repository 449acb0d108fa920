"""Figures of the two sample reports, through the real parser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baocao.settings import load_settings
from ingest.indicators import IndicatorRecord, extract_parsed
from ingest.pipeline import parse_file

REPORTS = Path(__file__).resolve().parents[2] / "data" / "reports"


@pytest.fixture(scope="module")
def records() -> dict[str, list[IndicatorRecord]]:
    settings = load_settings()
    return {p.name: extract_parsed(parse_file(p, settings)) for p in sorted(REPORTS.glob("*.txt"))}


def test_every_value_text_is_in_its_sentence(records: dict[str, list[IndicatorRecord]]) -> None:
    for recs in records.values():
        assert len(recs) > 100
        for r in recs:
            assert r.value_text in r.text, r
            assert r.chunk_id and r.section is not None and r.document and r.ward


def test_no_heading_number_date_or_document_number_is_a_value(
    records: dict[str, list[IndicatorRecord]],
) -> None:
    for recs in records.values():
        for r in recs:
            head = re.match(r"^\s*(?:[-–+•]\s*)?(\d+(?:\.\d+)*)[.)]\s", r.text)
            where = [m.start() for m in re.finditer(rf"(?<![\d.,]){re.escape(r.value_text)}(?!\d)", r.text)]
            assert not (head and where == [head.start(1)]), r.text  # only the list number: not a value
            assert not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", r.value_text)
            assert "/BC-" not in r.value_text and "/QĐ-" not in r.value_text
            assert not (r.year is not None and r.value_text == str(r.year))


def test_known_figures(records: dict[str, list[IndicatorRecord]]) -> None:
    got = {(r.ward, r.indicator, r.value_text, r.kind) for recs in records.values() for r in recs}
    assert ("Xương Giang", "thu ngân sách", "15.300.000.000đ", "ước thực hiện") in got
    assert ("Xương Giang", "thu ngân sách", "5.700.000.000đ", "kế hoạch") in got
    assert ("Xương Giang", "số hộ nghèo", "04 hộ nghèo", "thực hiện") in got
    assert ("Xương Giang", "tỷ lệ hộ nghèo", "0,14%", "thực hiện") in got
    assert ("Ngô Quyền", "thu ngân sách", "17.384.571.763 đồng", "ước thực hiện") in got
    assert ("Ngô Quyền", "giá trị sản xuất thương mại - dịch vụ", "gần 7,6 tỷ đồng", "ước thực hiện") in got
    # Ngô Quyền gives no count of poor households: the 02 households helped with rice are not one
    assert not any(w == "Ngô Quyền" and ind == "số hộ nghèo" for w, ind, _, _ in got)
