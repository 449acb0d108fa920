"""The sample reports printed as Word-like PDFs (``eval/data/reports_pdf``, ``eval.render_pdf``)
read as their text files read: same sentences, same letterhead facts, the signature block in
column order, footnote markers on their own line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from baocao.settings import REPO_ROOT, Settings
from ingest.models import ParsedDocument
from ingest.pipeline import parse_file

pytestmark = pytest.mark.integration

SAMPLES = REPO_ROOT / "data" / "reports"
PDFS = REPO_ROOT / "eval" / "data" / "reports_pdf" / "samples"
NAMES = sorted(p.stem for p in PDFS.glob("*.pdf"))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;:!?])\s+|\n", text) if len(s.strip()) > 30]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


@pytest.fixture(scope="module")
def pairs() -> dict[str, tuple[ParsedDocument, ParsedDocument]]:
    settings = Settings()
    return {
        n: (parse_file(SAMPLES / f"{n}.txt", settings), parse_file(PDFS / f"{n}.pdf", settings))
        for n in NAMES
    }


def test_every_sentence_of_the_text_survives_the_pdf(
    pairs: dict[str, tuple[ParsedDocument, ParsedDocument]],
) -> None:
    assert len(NAMES) == 2
    for name, (txt, pdf) in pairs.items():
        flat = _flat(pdf.text)
        lost = [s for s in _sentences(txt.text) if _flat(s) not in flat]
        assert len(lost) <= 0.01 * len(_sentences(txt.text)), f"{name}: {lost[:3]}"


def test_the_letterhead_reads_the_same(pairs: dict[str, tuple[ParsedDocument, ParsedDocument]]) -> None:
    for name, (txt, pdf) in pairs.items():
        a, b = txt.metadata, pdf.metadata
        assert (b.ward, b.date, b.doc_number, b.years, b.signer) == (
            a.ward,
            a.date,
            a.doc_number,
            a.years,
            a.signer,
        ), name


def test_the_signature_block_is_read_column_by_column(
    pairs: dict[str, tuple[ParsedDocument, ParsedDocument]],
) -> None:
    _, pdf = pairs["000_347ec1f2055dce63"]
    text = _flat(pdf.text)
    # the "Nơi nhận" list first, whole, then the signer's column
    assert "- phòng tckh thành phố (để tổng hợp);" in text
    assert text.index("- lưu: vt.") < text.index("tm. ủy ban nhân dân") < text.index("hoàng văn vượng")


def test_footnote_markers_stay_where_the_text_puts_them(
    pairs: dict[str, tuple[ParsedDocument, ParsedDocument]],
) -> None:
    _, pdf = pairs["000_347ec1f2055dce63"]
    assert "quỹ đất công ích 5,89ha(2)" in pdf.text
    assert "diện tích đất (2)" not in _flat(pdf.text)


def test_a_compound_wrapped_at_its_hyphen_is_one_word(
    pairs: dict[str, tuple[ParsedDocument, ParsedDocument]],
) -> None:
    for _name, (_txt, pdf) in pairs.items():
        assert not re.search(r"\b\d{1,4}- (?:CT|NQ|QĐ|KH)\b|\b20\d\d- 20\d\d\b", pdf.text)


def test_the_rendered_pdfs_are_the_sample_reports() -> None:
    assert sorted(p.stem for p in SAMPLES.glob("*.txt")) == NAMES
    assert all(Path(PDFS / f"{n}.pdf").stat().st_size > 10_000 for n in NAMES)
