"""A comparison naming no ward is bounded: with many wards indexed it asks which ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import MAX_COMPARE_WARDS, Assistant
from baocao.settings import load_settings
from ingest.pipeline import parse_text
from vectorstore.index import Index

pytestmark = pytest.mark.unit

REPORT = """UBND PHƯỜNG {name}
BÁO CÁO
Tình hình kinh tế - xã hội năm 2023
I. KINH TẾ
1. Tài chính - Ngân sách
Tổng thu ngân sách phường ước đạt {n}.000.000.000 đồng, đạt 101% kế hoạch năm 2023.
"""


def test_comparison_over_too_many_wards_asks_which(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, embedding_model="hash:64", chroma_host=None, llm_base_url=None
    )
    index = Index(settings)
    names = [f"Hòa Bình {i}" for i in range(MAX_COMPARE_WARDS + 1)]
    for i, name in enumerate(names):
        index.add_document(parse_text(REPORT.format(name=name.upper(), n=i + 1), f"r{i}.txt", ward=name))
    assistant = Assistant(settings, index=index, use_llm=False)
    rec = assistant.ask("Phường nào có tổng thu ngân sách cao hơn?")
    assert rec.refused and "too_many_wards" in rec.notes
    assert str(MAX_COMPARE_WARDS) in rec.answer
    two = assistant.ask(f"So sánh tổng thu ngân sách phường {names[0]} và phường {names[1]}")
    assert two.mode == "comparison" and not two.refused
    assert "1.000.000.000" in two.answer and "2.000.000.000" in two.answer
