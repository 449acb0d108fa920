"""Issue 17 item 4: ward names are matched as names, whatever words they contain.

"Máy Chai" (a real ward of Hải Phòng) folds to "may chai", and "may" is also "mấy" (how
many): the ward's own words were read as the question's. Property over real names: the
Xương Giang report renamed to each of a sample of real ward/commune names (the 2025
administrative-unit mapping, ``ingest.admin_units``), stressed towards names made of
question words, all in one index; the same question about each is answered from its own
report."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from assistant.query import _NAME_STOP, STOPWORDS, find_wards
from baocao.vntext import fold
from ingest import admin_units
from tests.ingest.conftest import XUONG_GIANG

pytestmark = pytest.mark.slow

ISSUE_NAMES = ["Máy Chai", "Hòa Bình", "Lê Lợi", "Bình Thuận"]
QUESTION_WORDS = {fold(w) for w in _NAME_STOP | STOPWORDS} | {"may", "nam", "thu", "chi", "con", "the", "bao"}


def real_ward_names(n_risky: int = 24, n_plain: int = 8, seed: int = 17) -> list[str]:
    names: set[str] = set()
    for ln in admin_units.links():
        for kind, name in ((ln.new_kind, ln.new_name), (ln.old_kind, ln.old_name)):
            if kind in ("phường", "xã", "thị trấn") and name and not any(c.isdigit() for c in name):
                names.add(name)
    risky = sorted(n for n in names if any(fold(s).lower() in QUESTION_WORDS for s in n.split()))
    plain = sorted(names - set(risky))
    rng = random.Random(seed)
    picked = ISSUE_NAMES + rng.sample(risky, n_risky) + rng.sample(plain, n_plain)
    out: list[str] = []
    for name in dict.fromkeys(picked):  # one name inside another would be a different property
        if not any(fold(name) in fold(o) or fold(o) in fold(name) for o in out):
            out.append(name)
    return out


NAMES = real_ward_names()


def renamed_report(name: str) -> str:
    text = XUONG_GIANG.read_text(encoding="utf-8")
    return text.replace("Xương Giang", name).replace("XƯƠNG GIANG", name.upper())


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from assistant.service import Assistant
    from baocao.settings import load_settings
    from ingest.pipeline import parse_text
    from vectorstore.index import Index

    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("ward-names") / "data",
        embedding_model="hash:256",
        chroma_host=None,
        llm_base_url=None,
    )
    index = Index(settings)
    for i, name in enumerate(NAMES):
        index.add_document(parse_text(renamed_report(name), f"bao_cao_{i:02d}.txt"))
    index.refresh_lexical(force_save=True)
    a = Assistant(settings, index=index, use_llm=False)
    yield a
    index.close()


def test_the_sample_is_real_and_stressed() -> None:
    assert len(NAMES) >= 30 and all(n in NAMES for n in ISSUE_NAMES)
    with_question_words = [n for n in NAMES if any(fold(s).lower() in QUESTION_WORDS for s in n.split())]
    assert len(with_question_words) >= 20


@pytest.mark.parametrize("name", NAMES)
def test_find_wards_names_the_ward_whatever_its_words(name: str) -> None:
    known = [n for n in NAMES]
    for q in (
        f"Thu ngân sách phường {name} năm 2023 ước đạt bao nhiêu?",
        f"{name} có bao nhiêu hộ nghèo?",
        f"thu ngan sach phuong {fold(name).lower()} nam 2023",
    ):
        assert find_wards(q, known) == ([name], []), q


@pytest.mark.parametrize("name", NAMES)
def test_renamed_report_is_answered_under_each_real_name(assistant: object, name: str) -> None:
    rec = assistant.ask(f"Thu ngân sách phường {name} năm 2023 ước đạt bao nhiêu?", [])  # type: ignore[attr-defined]
    assert not rec.refused, (name, rec.answer)
    assert "15.300.000.000" in rec.answer
    assert rec.citations and {c.ward for c in rec.citations} == {name}


def test_mask_wards_blanks_only_the_ward_words() -> None:
    from assistant.query import analyse, mask_wards

    q = "Phường Máy Chai có những hoạt động văn hóa nào?"
    assert mask_wards(q, ["Máy Chai"]) == "Phường          có những hoạt động văn hóa nào?"
    assert mask_wards("may chai co bao nhieu ho", ["Máy Chai"]).split() == ["co", "bao", "nhieu", "ho"]
    info = analyse(q, ["Máy Chai"])
    assert info.wards == ["Máy Chai"] and not info.wants_number  # "Máy" is not "mấy"
    assert analyse("Phường Máy Chai có mấy trường học?", ["Máy Chai"]).wants_number
