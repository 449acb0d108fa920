"""Rule-based follow-up resolution (works without an LLM).

"Còn phường Ngô Quyền thì sao?" after "Thu ngân sách phường Xương Giang năm 2023?"
becomes "Thu ngân sách phường Ngô Quyền năm 2023?": the topic is carried, the ward /
year / period / entity named in the short question replaces the earlier one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.query import FOLLOWUP_CUES, contains_cue, content_tokens, find_wards, find_years
from baocao.vntext import fold

_CUE_STRIP_RE = re.compile(
    r"^\s*(?:thế\s+còn|vậy\s+còn|còn\s+về|còn\s+đối\s+với|còn|thế|vậy|the\s+con|con|the)\s+|"
    r"\s*(?:thì\s+sao|thi\s+sao|thế\s+nào|ra\s+sao|thì\s+thế\s+nào)\s*\??\s*$",
    re.IGNORECASE,
)
_PERIOD_RE = re.compile(r"\b(đợt|dot|quý|quy|tháng|thang|giai đoạn|kỳ|ky)\s+(\w+)", re.IGNORECASE)
_DEMONSTRATIVE_RE = re.compile(r"\b(\w+(?:\s+\w+)?)\s+(đó|này|ấy|trên|do|nay|ay)\b", re.IGNORECASE)
_WARD_PHRASE_RE = r"(?:(?:phường|phuong|xã|xa|thị trấn|thi tran|p\.)\s+)?{name}"
_ENTITY_RE = re.compile(
    r"((?:[Tt]rường|[Dd]ự án|[Cc]ông trình|[Cc]hợ|[Tt]rạm|[Nn]hà|[Tt]ổ|[Kk]hu)(?:\s+[\w]+)*?\s+(?:[A-ZĐÀ-Ỹ][\w]*\s*)+)"
)


def is_followup(question: str, known_wards: Iterable[str]) -> bool:
    q = question.strip()
    wards, unknown = find_wards(q, known_wards)
    toks = content_tokens(q, drop=wards + unknown)
    if contains_cue(" " + q, FOLLOWUP_CUES) or re.search(r"\b(đó|này|ấy)\b", q):
        return True
    return len(toks) <= 1 and bool(wards or find_years(q))


def _replace_wards(text: str, old: list[str], new: list[str]) -> str:
    for w in old:
        pat = re.compile(_WARD_PHRASE_RE.format(name=re.escape(w)), re.IGNORECASE)
        text = pat.sub("phường " + " và phường ".join(new) if new else "", text, count=1)
        text = pat.sub("", text)
    return text


def _strip_cues(q: str) -> str:
    prev = None
    while prev != q:
        prev = q
        q = _CUE_STRIP_RE.sub("", q).strip()
    return q.rstrip("?").strip()


def resolve(question: str, history: list[str], known_wards: Iterable[str]) -> str:
    """Rewrite ``question`` as a standalone question using earlier user turns."""
    known = list(known_wards)
    if not history:
        return question
    prev = history[-1]
    if len(history) > 1:
        prev = resolve(prev, history[:-1], known)
    if not is_followup(question, known):
        return question
    cur = question.strip()
    cur_wards, cur_unknown = find_wards(cur, known)
    new_wards = cur_wards + cur_unknown
    prev_wards, prev_unknown = find_wards(prev, known)
    cur_years = find_years(cur)
    base = prev
    if new_wards:
        old = prev_wards + prev_unknown
        if old:
            base = _replace_wards(base, old, new_wards)
        else:
            base = f"{base.rstrip('?. ')} của phường {' và phường '.join(new_wards)}?"
    if cur_years:
        prev_years = find_years(base)
        if prev_years:
            base = re.sub(str(prev_years[0]), str(cur_years[0]), base, count=1)
            for y in prev_years[1:]:
                base = base.replace(str(y), "")
        else:
            base = f"{base.rstrip('?. ')} năm {cur_years[0]}?"
    m_cur = _PERIOD_RE.search(cur)
    if m_cur:
        m_prev = _PERIOD_RE.search(base)
        if m_prev and fold(m_prev.group(1)).lower() == fold(m_cur.group(1)).lower():
            base = base[: m_prev.start()] + m_cur.group(0) + base[m_prev.end() :]
    # what is left of the short question once cues, wards, years and periods are gone
    rest = _strip_cues(cur)
    for w in new_wards:
        rest = re.sub(_WARD_PHRASE_RE.format(name=re.escape(w)), " ", rest, flags=re.IGNORECASE)
    for y in cur_years:
        rest = re.sub(rf"(?:năm|nam)?\s*{y}", " ", rest, flags=re.IGNORECASE)
    if m_cur:
        rest = rest.replace(m_cur.group(0), " ")
    rest = re.sub(r"\s+", " ", rest).strip(" ,.?")
    rest_tokens = content_tokens(rest, drop=new_wards)
    if rest_tokens:
        ent = _ENTITY_RE.search(prev)
        dem = _DEMONSTRATIVE_RE.search(rest)
        if dem and ent:
            # "Thế trường đó có bao nhiêu giáo viên?" -> name the school again
            return rest[: dem.start()] + ent.group(1).strip() + rest[dem.end() :] + "?"
        # topic swap: "Thế còn chi ngân sách?" keeps the earlier ward / year
        ctx_wards = new_wards or prev_wards + prev_unknown
        ctx_years = cur_years or find_years(prev)
        tail = ""
        if ctx_wards and not find_wards(rest, known)[0]:
            tail += " phường " + " và phường ".join(ctx_wards)
        if ctx_years:
            tail += f" năm {ctx_years[0]}"
        wants_number = re.search(r"bao nhi[eê]u|mấy|may", prev, re.IGNORECASE) and not re.search(
            r"bao nhi[eê]u|mấy|những|gì|nào", rest, re.IGNORECASE
        )
        return f"{rest}{tail}{' là bao nhiêu' if wants_number else ''}?"
    return re.sub(r"\s+", " ", base).strip()
