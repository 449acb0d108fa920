"""The answer layer on hand-made passages in several communes' wording (not dev questions).

The ranker used is the fitted one shipped in ``assistant/data/ranker.json``; dense signals
are absent here (no model), so these check that lexical, thesaurus and answer-type
signals alone already pick the right sentence and refuse what the passages do not say.
"""

from __future__ import annotations

import pytest

from assistant.answer import Signals, compose, direct_line, score_sentences, term_weights
from assistant.query import analyse
from assistant.sentences import coverage, split_sentences
from assistant.types import Passage
from baocao import thesaurus
from vectorstore.lexical import LexicalIndex

pytestmark = pytest.mark.unit

HOA_BINH = [
    (
        "2. Giáo dục",
        "Trường Mầm non Hòa Bình có 12 nhóm lớp với 356 trẻ, tỷ lệ huy động trẻ ra lớp đạt 98,5%. "
        "Trường Tiểu học có 24 lớp với 812 học sinh.",
    ),
    (
        "5. Quốc phòng - an ninh",
        "Xảy ra 03 vụ tai nạn giao thông, làm 01 người chết, 02 người bị thương. "
        "Tổ chức giao quân 15/15 thanh niên, đạt 100% chỉ tiêu.",
    ),
    (
        "3. Tài chính - ngân sách",
        "Tổng thu ngân sách xã ước đạt 9.450.000.000 đồng, bằng 112,3% dự toán; "
        "chi ngân sách 8.120.000.000 đồng, đạt 96,1% dự toán.",
    ),
    (
        "4. Chính sách xã hội",
        "Toàn xã còn 21 hộ nghèo, chiếm 1,2%; 37 hộ cận nghèo. "
        "Trao 150 suất quà cho người cao tuổi nhân dịp Tết.",
    ),
]


def _passages() -> list[Passage]:
    return [
        Passage(chunk_id=f"c{i}", doc_id="d", text=t, ward="Hòa Bình", ward_kind="xã", section=s, position=i)
        for i, (s, t) in enumerate(HOA_BINH)
    ]


def _lex() -> LexicalIndex:
    from vectorstore.bm25_side import lexical_text

    texts = [lexical_text(t, s) for s, t in HOA_BINH]
    return LexicalIndex.build([f"c{i}" for i in range(len(texts))], texts, ["d"] * len(texts))


def _answer(question: str) -> tuple[str, bool]:
    info = analyse(question, ["Hòa Bình"])
    weights = term_weights(info, _lex())
    passages = _passages()
    picks = score_sentences(info, weights, passages, Signals())
    rec = compose(info, picks, passages, weights)
    return (picks[0].sentence.text if picks else ""), rec is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Trường mẫu giáo xã Hòa Bình có bao nhiêu cháu?", "356 trẻ"),
        ("tai nạn xe cộ ở Hòa Bình mấy vụ", "03 vụ tai nạn giao thông"),
        ("Xã Hòa Bình có bao nhiêu hộ nghèo?", "21 hộ nghèo"),
        ("Người già ở Hòa Bình được tặng bao nhiêu suất quà?", "150 suất quà"),
        ("Chi ngân sách xã Hòa Bình đạt bao nhiêu phần trăm dự toán?", "96,1%"),
    ],
)
def test_the_sentence_holding_the_answer_ranks_first(question: str, expected: str) -> None:
    best, _ = _answer(question)
    assert expected in best


def test_a_word_the_corpus_never_saw_weighs_nothing() -> None:
    info = analyse("Xã Hòa Bình có bao nhiêu hộ nghèo vậy hả bạn ơi", ["Hòa Bình"])
    weights = term_weights(info, _lex())
    assert all(w > 0 for _, w in weights.units)
    assert not any(("bạn",) in alts for alts, _ in weights.units)


def test_thesaurus_phrase_matches_the_report_wording() -> None:
    info = analyse("trường mẫu giáo có bao nhiêu cháu", ["Hòa Bình"])
    weights = term_weights(info, _lex())
    assert coverage(weights, HOA_BINH[0][1]) > coverage(weights, HOA_BINH[1][1])
    assert "mầm non" in thesaurus.report_terms("trường mẫu giáo")
    assert "tai nạn giao thông" in thesaurus.report_terms("tai nan xe co")  # typed without diacritics


def test_thesaurus_reads_diacritics_when_the_question_has_them() -> None:
    """A careful typist's "phát" is not "phạt", "đầu" not "đậu", "qua" not "quà"."""
    assert thesaurus.report_terms("Tỷ lệ phát triển dân số tự nhiên?") == []
    assert not [m for m in thesaurus.find("thu nhập bình quân đầu người") if "đậu" in m.phrase]
    assert all(m.phrase != "quà" for m in thesaurus.find("hồ sơ nộp qua cổng dịch vụ công"))
    assert "xử phạt" in thesaurus.report_terms("so tien phat")  # without diacritics: folded
    assert "hòa giải" in {m.entry.term for m in thesaurus.find("hoà giải ở cơ sở")}  # tone placement


def test_sentences_keep_decimal_numbers_and_abbreviations() -> None:
    sents = split_sentences("Thu đạt 9,5 tỷ đồng. TP. Bắc Giang hỗ trợ 1.2 tấn gạo. Kết thúc.")
    assert sents[0].text == "Thu đạt 9,5 tỷ đồng."
    assert any("TP. Bắc Giang" in s.text for s in sents)


def test_direct_line_is_a_clause_of_the_cited_sentence() -> None:
    info = analyse("Chi ngân sách xã Hòa Bình được bao nhiêu?", ["Hòa Bình"])
    weights = term_weights(info, _lex())
    passages = _passages()
    picks = score_sentences(info, weights, passages, Signals())
    line = direct_line(info, picks[0], weights, 1)
    if line:
        body = line.removesuffix(" [1].")
        assert body in picks[0].sentence.text
        assert "8.120.000.000" in line
