"""The figure-extraction scorer: matching rules and metrics on hand-made records."""

from __future__ import annotations

import pytest

from eval.indicators import same_indicator, score_report
from ingest.indicators import IndicatorRecord

pytestmark = pytest.mark.unit


def pred(
    value_text: str, value: float, text: str, indicator: str = "x", kind: str = "thực hiện"
) -> IndicatorRecord:
    return IndicatorRecord(
        ward="A", indicator=indicator, value_text=value_text, value=value, text=text, kind=kind
    )


def gold(value_text: str, value: float, sentence: str, indicator: str = "x", kind: str = "thực hiện") -> dict:
    return {
        "value_text": value_text,
        "value": value,
        "sentence": sentence,
        "indicator": indicator,
        "kind": kind,
    }


def test_qualifiers_markup_and_sentence_boundaries_match() -> None:
    s = score_report(
        [pred("gần 900m²", 900, "Chú thích (3): Tổng diện tích gần 900m².", "diện tích")],
        [gold("900m<sup>2</sup>", 900, "Tổng diện tích gần 900m<sup>2</sup>.", "tổng diện tích")],
        [],
    )
    m = s.metrics()
    assert (m["precision"], m["recall"], m["indicator_accuracy"]) == (1.0, 1.0, 1.0)


def test_extra_and_missed_figures_count() -> None:
    text = "Năm 2023, phường có 04 hộ nghèo = 0,14%."
    s = score_report(
        [pred("04 hộ nghèo", 4, text, "số hộ nghèo"), pred("2023", 2023, text)],
        [gold("04 hộ nghèo", 4, text, "số hộ nghèo"), gold("0,14%", 0.14, text, "tỷ lệ hộ nghèo")],
        [{"sentence": text, "text": "2023", "why": "year"}],
    )
    m = s.metrics()
    assert (m["precision"], m["recall"], m["negatives_hit"]) == (0.5, 0.5, 1)


def test_indicator_names() -> None:
    assert same_indicator("tỷ lệ hộ nghèo", "Tỷ lệ hộ nghèo cuối năm")
    assert same_indicator("thu ngân sách", "tổng thu ngân sách phường")
    assert not same_indicator("số hộ nghèo", "thu ngân sách")
    assert not same_indicator("tỷ lệ tham gia bảo hiểm y tế", "thu ngân sách", strict=True)
