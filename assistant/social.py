"""Greetings, thanks and "what can you do": a friendly reply, never a cited sentence.

A turn is social when every word in it belongs to the small vocabulary people use to greet,
thank or address the assistant (politeness particles, pronouns) and at least one word
greets or thanks: "xin chào", "chào bạn nhé", "cảm ơn nhiều ạ", "hi", "bạn là ai?".
A question with any topic word ("chào, thu ngân sách năm 2023?") is not social.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from baocao.vntext import fold, nfc

# words that make a turn social on their own
_TRIGGERS = {
    "chào", "chao", "hello", "hi", "helo", "alo", "cảm ơn", "cám ơn", "cảm on", "thanks", "thank", "cam on",
    "tạm biệt", "tam biet", "bye", "ok", "oke", "okay", "được rồi", "tốt", "hay", "tuyệt",
    "bạn là ai", "ban la ai", "giúp gì", "làm được gì", "làm gì", "hướng dẫn",
}  # fmt: skip
# words that may accompany them
_FILLERS = {
    "xin", "bạn", "anh", "chị", "em", "ạ", "nhé", "nha", "nhiều", "rất", "lắm", "trợ", "lý", "lí", "you",
    "nhe", "a", "ban", "chi", "nhieu", "rat", "tro", "ly", "li", "cả", "nhà", "mọi", "người", "buổi",
    "sáng", "chiều", "tối", "có", "thể", "tôi", "mình", "được", "không", "vậy", "thế", "là", "ai", "gì",
    "the", "vay", "toi", "minh", "duoc", "khong", "co", "đã", "da", "các", "cac", "ơi", "oi", "nhỉ",
    "bot", "chatbot", "hệ", "thống", "he", "thong", "much", "very", "so", "dear", "there",
}  # fmt: skip

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def _norm(text: str) -> str:
    return " " + " ".join(_WORD_RE.findall(nfc(text).lower())) + " "


def is_social(question: str) -> bool:
    """True for a greeting, thanks or a question about the assistant itself (no topic)."""
    q = _norm(question)
    if re.search(r"\d", question) or len(q.split()) > 10 or not q.strip():
        return False
    rest = q
    hit = False
    for t in sorted(_TRIGGERS, key=len, reverse=True):
        for form in {t, fold(t)}:
            if f" {form} " in rest:
                hit = True
                rest = rest.replace(f" {form} ", " ")
    if not hit:
        return False
    fillers = _FILLERS | {fold(f) for f in _FILLERS}
    return all(w in fillers for w in rest.split())


def thanked(question: str) -> bool:
    f = fold(nfc(question).lower())
    return any(w in f for w in ("cam on", "thank", "thanks"))


def farewell(question: str) -> bool:
    f = fold(nfc(question).lower())
    return any(w in f for w in ("tam biet", "bye"))


def social_reply(question: str, examples: Sequence[str]) -> str:
    """The reply text: a greeting or thanks, what the assistant does, and example questions."""
    if farewell(question):
        opening = "Tạm biệt! Khi cần tra cứu báo cáo, bạn cứ quay lại hỏi."
    elif thanked(question):
        opening = "Không có gì! Rất vui được giúp bạn."
    else:
        opening = "Xin chào! Tôi là Trợ lý Báo cáo."
    lines = [
        opening
        + " Tôi trả lời câu hỏi về các báo cáo kinh tế - xã hội của phường/xã, có dẫn nguồn từng câu.",
    ]
    if examples:
        lines.append("")
        lines.append("Bạn có thể hỏi, ví dụ:")
        lines.extend(f"- {e}" for e in examples)
    return "\n".join(lines)
