"""Conversation: elliptical turns resolved from structure (multi-turn scripts in varied wording)."""

from __future__ import annotations

import pytest

from assistant.conversation import understand
from assistant.slots import read_slots
from assistant.social import is_social, social_reply

pytestmark = pytest.mark.unit

KNOWN = ["Ngô Quyền", "Xương Giang", "Đức Giang", "Hương Sơn"]
KINDS = {"Đức Giang": "xã", "Hương Sơn": "thị trấn"}


def kind(ward: str) -> str:
    return KINDS.get(ward, "phường")


def run(script: list[str], filter_wards: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(kind, standalone) for every turn of a conversation."""
    out = []
    for i, q in enumerate(script):
        t = understand(q, script[:i], KNOWN, filter_wards=filter_wards, kind_of=kind)
        out.append((t.kind, t.standalone))
    return out


def last(script: list[str], **kw: tuple[str, ...]) -> str:
    return run(script, **kw)[-1][1]


@pytest.mark.parametrize(
    "followup",
    [
        "Còn bên Ngô Quyền thì sao?",
        "còn ở Ngô Quyền thì sao",
        "Thế phía Ngô Quyền thì sao?",
        "Thế Ngô Quyền thì sao?",
        "vậy còn phường Ngô Quyền?",
        "con ngo quyen thi sao",
    ],
)
def test_ward_swap_in_many_wordings(followup: str) -> None:
    std = last(["Số lao động được giải quyết việc làm ở phường Xương Giang năm 2023 là bao nhiêu?", followup])
    assert std == "Số lao động được giải quyết việc làm ở phường Ngô Quyền năm 2023 là bao nhiêu?"


def test_unit_word_follows_the_ward() -> None:
    assert "xã Đức Giang" in last(
        ["Tổng vốn đầu tư công phường Xương Giang năm 2023 là bao nhiêu?", "Còn Đức Giang?"]
    )
    std = last(
        ["Tổng vốn đầu tư công phường Xương Giang năm 2023 là bao nhiêu?", "thế bên Hương Sơn thì sao"]
    )
    assert "thị trấn Hương Sơn" in std and "phường Hương Sơn" not in std


@pytest.mark.parametrize(
    ("followup", "year"),
    [("Năm sau thì sao?", "2024"), ("thế năm trước?", "2022"), ("Còn năm ngoái thì sao", "2022")],
)
def test_relative_years(followup: str, year: str) -> None:
    std = last(["Diện tích lúa xã Đức Giang năm 2023 đạt bao nhiêu ha?", followup])
    assert std == f"Diện tích lúa xã Đức Giang năm {year} đạt bao nhiêu ha?"


def test_same_period_last_year() -> None:
    std = last(["Thu ngân sách 6 tháng đầu năm 2023 của phường Ngô Quyền đạt bao nhiêu?", "Cùng kỳ thì sao?"])
    assert std.startswith("Thu ngân sách 6 tháng đầu năm 2023 của phường Ngô Quyền")
    assert std.endswith("so với cùng kỳ năm 2022?")


def test_period_swap() -> None:
    std = last(
        ["Thu ngân sách 6 tháng đầu năm 2023 của phường Ngô Quyền đạt bao nhiêu?", "Còn quý III thì sao?"]
    )
    assert std == "Thu ngân sách quý III 2023 của phường Ngô Quyền đạt bao nhiêu?"


def test_topic_switch_keeps_place_time_and_question() -> None:
    std = last(["Thu ngân sách phường Hương Sơn năm 2023 được bao nhiêu?", "Thế còn chi thường xuyên?"])
    assert std == "Chi thường xuyên phường Hương Sơn năm 2023 được bao nhiêu?"


def test_topic_switch_keeps_the_measure_noun_and_counter() -> None:
    assert (
        last(["Tỷ lệ trẻ em suy dinh dưỡng phường Ngô Quyền năm 2023 là bao nhiêu?", "Còn tiêm chủng?"])
        == "Tỷ lệ tiêm chủng phường Ngô Quyền năm 2023 là bao nhiêu?"
    )
    assert (
        last(["Năm 2023 phường Ngô Quyền có bao nhiêu vụ cháy nổ?", "Còn ngộ độc thực phẩm thì sao?"])
        == "Năm 2023 phường Ngô Quyền có bao nhiêu vụ ngộ độc thực phẩm?"
    )


def test_head_word_replaces_its_own_phrase() -> None:
    assert (
        last(["Số người tham gia bảo hiểm y tế ở Xương Giang năm 2023?", "còn bảo hiểm xã hội"])
        == "Số người tham gia bảo hiểm xã hội ở Xương Giang năm 2023?"
    )


def test_indicator_anaphor_carries_the_topic() -> None:
    std = last(
        ["Tỷ lệ hộ dùng nước sạch phường Xương Giang năm 2023 là bao nhiêu?", "Còn chỉ tiêu đó ở Ngô Quyền?"]
    )
    assert std == "Tỷ lệ hộ dùng nước sạch phường Ngô Quyền năm 2023 là bao nhiêu?"


def test_entity_anaphor_names_the_entity_again() -> None:
    std = last(["Trường Mầm non Hoa Sen phường Ngô Quyền có bao nhiêu trẻ?", "Trường đó có mấy phòng học?"])
    assert std == "Trường Mầm non Hoa Sen phường Ngô Quyền có mấy phòng học?"


def test_a_complete_question_starts_fresh() -> None:
    turns = run(
        [
            "So sánh tỷ lệ hộ nghèo hai phường",
            "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?",
        ]
    )
    assert turns[-1] == ("complete", "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?")
    t = understand(
        "Thu ngân sách năm 2023 ước đạt bao nhiêu?",
        ["Tỷ lệ hộ nghèo phường Xương Giang?"],
        KNOWN,
        kind_of=kind,
    )
    assert t.kind == "complete" and not t.context_tokens  # same place, no earlier topic
    assert t.standalone == "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?"


def test_an_explicit_filter_wins_over_context() -> None:
    script = ["Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "Năm sau thì sao?"]
    std = last(script, filter_wards=("Ngô Quyền",))
    assert "Ngô Quyền" in std and "Xương Giang" not in std
    t = understand(
        "Tỷ lệ hộ nghèo là bao nhiêu?", script[:1], KNOWN, filter_wards=["Ngô Quyền"], kind_of=kind
    )
    assert t.wards == ["Ngô Quyền"] and "Xương Giang" not in t.standalone


def test_underspecified_question_gets_place_and_low_weight_context() -> None:
    t = understand(
        "Kinh phí hỗ trợ là bao nhiêu?",
        ["Phường Xương Giang tặng quà Tết cho bao nhiêu hộ năm 2023?"],
        KNOWN,
        kind_of=kind,
    )
    assert t.kind == "contextual"
    assert t.standalone == "Kinh phí hỗ trợ phường Xương Giang là bao nhiêu?"
    assert {"tặng", "quà", "tết"} <= set(t.context_tokens)


def test_unknown_place_is_carried_to_be_refused() -> None:
    std = last(["Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "Còn bên Hội Phú thì sao?"])
    assert std == "Thu ngân sách phường Hội Phú năm 2023 ước đạt bao nhiêu?"


def test_five_turn_chain_keeps_every_slot() -> None:
    turns = run(
        [
            "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?",
            "còn bên Ngô Quyền thì sao",
            "năm sau thì sao?",
            "Thế còn chi ngân sách?",
            "cảm ơn nhé",
        ]
    )
    assert [k for k, _ in turns] == ["complete", "elliptical", "elliptical", "switch", "social"]
    assert turns[2][1] == "Thu ngân sách phường Ngô Quyền năm 2024 ước đạt bao nhiêu?"
    assert turns[3][1] == "Chi ngân sách phường Ngô Quyền năm 2024 ước đạt bao nhiêu?"


def test_social_turns_skip_in_history() -> None:
    std = last(["Số hộ nghèo phường Ngô Quyền năm 2023?", "cảm ơn", "còn Xương Giang?"])
    assert std == "Số hộ nghèo phường Xương Giang năm 2023?"


@pytest.mark.parametrize(
    "text", ["xin chào", "Chào bạn!", "cảm ơn nhiều ạ", "cam on ban", "hi", "Bạn là ai?"]
)
def test_social(text: str) -> None:
    assert is_social(text)
    assert understand(text, [], KNOWN).kind == "social"


@pytest.mark.parametrize(
    "text", ["chào, thu ngân sách năm 2023?", "Cảm ơn các hộ nghèo năm 2023", "Tỷ lệ hộ nghèo?", "hay"]
)
def test_not_social(text: str) -> None:
    assert not is_social(text) or text == "hay"


def test_social_reply_lists_examples() -> None:
    reply = social_reply("xin chào", ["Câu hỏi A?", "Câu hỏi B?"])
    assert reply.startswith("Xin chào") and "- Câu hỏi A?" in reply
    assert social_reply("cảm ơn", []).startswith("Không có gì")


def test_slots_of_an_unaccented_question() -> None:
    s = read_slots("thu ngan sach phuong ngo quyen 6 thang dau nam 2023 dat bao nhieu", KNOWN)
    assert s.wards == ["Ngô Quyền"] and s.years == [2023] and s.period
    assert s.topic == "thu ngan sach" and s.ask_start is not None and s.ask_at_end


POVERTY = "Tỷ lệ hộ nghèo phường Xương Giang năm 2023 là bao nhiêu?"


def test_figure_kind_and_comparison_fragments() -> None:
    assert last([POVERTY, "Thế còn kế hoạch năm 2024?"]) == (
        "Tỷ lệ hộ nghèo phường Xương Giang theo kế hoạch năm 2024 là bao nhiêu?"
    )
    assert last([POVERTY, "So với năm 2022 thì sao?"]) == (
        "Tỷ lệ hộ nghèo phường Xương Giang năm 2023 là bao nhiêu so với năm 2022?"
    )


def test_a_longer_new_topic_does_not_inherit_the_measure() -> None:
    assert (
        last([POVERTY, "Thu ngân sách thì sao?"]) == "Thu ngân sách phường Xương Giang năm 2023 là bao nhiêu?"
    )
    assert last([POVERTY, "Còn trường THCS?"]).startswith("Trường THCS phường Xương Giang")


def test_place_goes_before_the_time_phrase() -> None:
    t = understand("Kế hoạch năm 2024 đặt ra bao nhiêu?", [POVERTY], KNOWN, kind_of=kind)
    assert t.standalone == "Kế hoạch phường Xương Giang năm 2024 đặt ra bao nhiêu?"
    t = understand("Tại sao giảm?", [POVERTY], KNOWN, kind_of=kind)
    assert t.standalone == "Tại sao giảm ở phường Xương Giang?"
