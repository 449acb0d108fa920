"""The assistant: question (+ history) → answer record with numbered citations."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from itertools import islice
from typing import Any, Literal

from assistant.answer import (
    Pick,
    Signals,
    compose,
    refusal,
    score_sentences,
    source_phrase,
    term_weights,
)
from assistant.compare import compare, is_trend
from assistant.conversation import understand
from assistant.document_facts import DOCUMENT_FACT_CUES, asked_fact, document_fact_answer
from assistant.layout import LIST_MAX, is_heading_line
from assistant.query import (
    COMPARE_CUES,
    LIST_CUES,
    NUMBER_CUES,
    SUMMARY_CUES,
    QueryInfo,
    analyse,
    contains_cue,
    spell_out_ward_initials,
)
from assistant.ranker import load_ranker
from assistant.retrieval import Filters, HybridRetriever, Mode
from assistant.sentences import split_sentences
from assistant.signers import SIGNER_CUES, is_signer_question, signer_answer
from assistant.social import social_reply
from assistant.types import AnswerRecord, Passage, citation_for
from baocao import thesaurus
from baocao.diacritics import Restorer
from baocao.settings import Settings
from baocao.vntext import fold, has_diacritics, nfc
from vectorstore.index import Index
from vectorstore.indicator_store import IndicatorFilter

log = logging.getLogger(__name__)

INVALID_NOTE = "invalid_question"
# A comparison answers one question per ward: bounded so a province-size index stays fast.
MAX_COMPARE_WARDS = 8
SUMMARY_MAX = 10
_ITEM_MARK_RE = re.compile(r"^(?:[-+•*–]\s*|\d{1,2}(?:\.\d{1,2})*[.)]\s+|[a-zđ][.)]\s+)+")
BASELINE_CUES = ("so với", "cùng kỳ", "tăng", "giảm", "so voi", "cung ky")
RESTORER_CHUNKS = 4000  # the reports' words for diacritic restoration: enough text, bounded at scale


def _invalid(question: str, message: str) -> AnswerRecord:
    return AnswerRecord(question=question, answer=message, refused=True, notes=[INVALID_NOTE])


class Assistant:
    def __init__(
        self,
        settings: Settings,
        index: Index | None = None,
        retrieval_mode: Mode = "hybrid",
        llm: Any | None = None,
        use_llm: bool | None = None,
    ) -> None:
        self.settings = settings
        self.index = index if index is not None else Index(settings)
        self.retriever = HybridRetriever(index=self.index, mode=retrieval_mode, k=settings.top_k)
        for name, value in load_ranker().fusion.items():  # fusion weights fitted on train
            setattr(self.retriever, name, value)
        self._llm = llm
        self.use_llm = settings.llm_enabled if use_llm is None else use_llm
        # set to a list to receive every candidate list the answerer scores (ranker fitting)
        self.candidate_log: list[list[Pick]] | None = None
        # the ranker's refusal threshold unless set (eval sets 0 to trace the risk–coverage curve)
        self.answer_threshold: float | None = None
        self._restorer: tuple[frozenset[str], Restorer] | None = None

    # corpus facts ----------------------------------------------------------------------
    def known_wards(self) -> list[str]:
        return sorted({d.ward for d in self.index.documents().values()})

    def ward_kind(self, ward: str) -> str:
        for d in self.index.documents().values():
            if d.ward == ward:
                return d.ward_kind
        return "phường"

    def restore_diacritics(self, text: str) -> str:
        """A question typed without diacritics, written as the indexed reports write its words
        (``baocao.diacritics``); the model is rebuilt when the committed documents change."""
        docs = frozenset(self.index.documents())
        if self._restorer is None or self._restorer[0] != docs:
            chunks = (
                c.text for c in islice(self.index.iter_chunks(self._restorer_docs(docs)), RESTORER_CHUNKS)
            )
            phrases = [p for e in thesaurus.load() for p in (e.term, *e.variants)]
            cues = [
                *NUMBER_CUES,
                *LIST_CUES,
                *SUMMARY_CUES,
                *COMPARE_CUES,
                *SIGNER_CUES,
                *DOCUMENT_FACT_CUES,
            ]  # how questions are asked
            self._restorer = (docs, Restorer([*chunks, *phrases, *cues]))
        return self._restorer[1].restore(text)

    def _restorer_docs(self, docs: frozenset[str]) -> list[str]:
        """The first documents (by id) that together hold ``RESTORER_CHUNKS`` chunks: at scale the
        store is asked for those documents' chunks, not for every document's."""
        out: list[str] = []
        total = 0
        for d in sorted(docs):
            if total >= RESTORER_CHUNKS:
                break
            out.append(d)
            total += self.index.chunk_count(d)
        return out

    def coverage_text(self) -> str:
        docs = list(self.index.documents().values())
        if not docs:
            return "Chỉ mục chưa có báo cáo nào."
        parts = []
        for w in self.known_wards():
            wd = [d for d in docs if d.ward == w]
            years = sorted({y for d in wd for y in d.years})
            kinds = "; ".join(d.label for d in wd)
            parts.append(f"{wd[0].ward_kind} {w} ({kinds}; năm {', '.join(map(str, years)) or '?'})")
        return "Chỉ mục hiện có báo cáo của: " + "; ".join(parts) + "."

    def example_questions(self) -> list[str]:
        """Questions to suggest (greeting reply, empty chat), naming wards the index holds."""
        wards = self.known_wards()
        if not wards:
            return []
        a = f"{self.ward_kind(wards[0])} {wards[0]}"
        years = sorted({y for d in self.index.documents().values() for y in d.years})
        year = f" năm {years[0]}" if years else ""
        out = [f"Thu ngân sách {a}{year} đạt bao nhiêu?", f"Tỷ lệ hộ nghèo {a}{year} là bao nhiêu?"]
        if len(wards) > 1:
            b = f"{self.ward_kind(wards[1])} {wards[1]}"
            out.append(f"So sánh tỷ lệ hộ nghèo của {a} và {b}")
        return out

    @property
    def llm(self) -> Any:
        if self._llm is None and self.use_llm:
            from assistant.llm import LLMAnswerer

            self._llm = LLMAnswerer(self.settings)
        return self._llm

    # answering ---------------------------------------------------------------------------
    def validate(self, question: str) -> str | None:
        q = question.strip()
        if not q or not re.search(r"\w", q):
            return "Câu hỏi trống. Hãy nhập câu hỏi về báo cáo, ví dụ: “Thu ngân sách phường năm 2023 đạt bao nhiêu?”"
        if len(q) > self.settings.max_question_chars:
            return (
                f"Câu hỏi quá dài ({len(q)} ký tự; tối đa {self.settings.max_question_chars}). "
                "Hãy hỏi ngắn gọn từng ý."
            )
        return None

    def ask(
        self,
        question: str,
        history: list[str] | None = None,
        filters: Filters | None = None,
        qid: str = "",
    ) -> AnswerRecord:
        rec: AnswerRecord | None = None
        for item in self.stream(question, history, filters, qid):
            if isinstance(item, AnswerRecord):
                rec = item
        assert rec is not None
        return rec

    def stream(
        self,
        question: str,
        history: list[str] | None = None,
        filters: Filters | None = None,
        qid: str = "",
    ) -> Iterator[str | AnswerRecord]:
        """Yield answer text pieces as they form, then the final record."""
        t0 = time.perf_counter()
        question = nfc(question)
        problem = self.validate(question)
        if problem:
            rec = _invalid(question, problem)
        else:
            rec = self._answer(question, [nfc(h) for h in history or []], filters or Filters())
            if self.use_llm and not rec.refused and rec.mode == "grounded" and self.llm is not None:
                final: AnswerRecord | None = None
                for piece in self.llm.stream(rec.rewritten_question or question, rec.retrieved, rec):
                    if isinstance(piece, AnswerRecord):
                        final = piece
                    else:
                        yield piece
                rec = final or rec
            else:
                yield rec.answer
        rec.id = qid
        rec.question = question
        rec.latency_ms = round((time.perf_counter() - t0) * 1000, 2)
        yield rec

    def _answer(self, question: str, history: list[str], filters: Filters) -> AnswerRecord:
        known = self.known_wards()
        if not known:
            return AnswerRecord(
                question=question,
                answer="Chưa có báo cáo nào trong chỉ mục. Hãy nạp báo cáo (`python -m ingest add ĐƯỜNG_DẪN`).",
                refused=True,
            )
        asked = question
        # "XG", "nq": a ward named by its initials is read as the ward
        question = spell_out_ward_initials(question, known)
        history = [spell_out_ward_initials(h, known) for h in history]
        if history and not has_diacritics(question):
            # a follow-up typed without diacritics is rewritten with the conversation's accented
            # words ("con ngo quyen thi sao" + "Thu ngân sách …"): restored first, or the mixed
            # standalone question would go to the search half unaccented
            question = self.restore_diacritics(question)
        turn = understand(question, history, known, filter_wards=filters.wards, kind_of=self.ward_kind)
        if turn.kind == "social":
            return AnswerRecord(
                question=question, answer=social_reply(question, self.example_questions()), mode="social"
            )
        resolved = turn.standalone
        info = analyse(resolved, known)
        if turn.context_tokens:
            # a question with its own topic but no ward: the earlier topic words weigh less
            lex = self.index.lexical()
            info.context_tokens = [
                t
                for t in turn.context_tokens
                if t not in info.content_tokens and (lex.df(t) or lex.df("~" + fold(t)))
            ]
        wards = info.wards or list(filters.wards)
        if info.unknown_wards and not info.wards:
            names = ", ".join(info.unknown_wards)
            rec = refusal(
                info, self.coverage_text(), [], f"Các báo cáo hiện có không có thông tin về {names}"
            )
        elif info.is_comparison or is_trend(resolved):
            targets = (
                info.wards
                if len(info.wards) >= 2 or (info.wards and not info.is_comparison)
                else [w for w in known if not filters.wards or w in filters.wards]
            )
            if len(targets) > MAX_COMPARE_WARDS:
                return AnswerRecord(
                    question=question,
                    answer=(
                        f"Chỉ mục có {len(targets)} phường/xã. Hãy nêu tên các phường/xã cần so sánh "
                        f"(tối đa {MAX_COMPARE_WARDS}), ví dụ: “So sánh thu ngân sách phường {known[0]} "
                        f"và phường {known[1]}”, hoặc chọn chúng ở bộ lọc."
                    ),
                    refused=True,
                    mode="comparison",
                    notes=["too_many_wards"],
                )
            rec = compare(
                resolved,
                targets,
                # each ward's own answer at the shipped threshold (never the eval's sweep: a
                # comparison shows a ward's figure only when its answer would be given)
                lambda q, w: self._single(q, Filters([w], filters.doc_types, filters.years), threshold=None),
                self.ward_kind,
                lambda: self.index.indicator_table().query(IndicatorFilter(wards=targets)),
            )
        else:
            f = Filters(wards or [], list(filters.doc_types), list(filters.years))
            rec = self._single(resolved, f, info)
        rec.rewritten_question = resolved if resolved != asked else ""
        return rec

    def _single(
        self,
        question: str,
        filters: Filters,
        info: QueryInfo | None = None,
        threshold: float | Literal["own"] | None = "own",
    ) -> AnswerRecord:
        """One question over one set of filters; ``threshold`` of refusal: ``"own"`` this
        assistant's (``answer_threshold``), ``None`` the ranker's."""
        known = self.known_wards()
        info = info or analyse(question, known)
        timings: dict[str, float] = {}
        docs = [
            d for d in self.index.documents().values() if Filters(filters.wards, filters.doc_types).allows(d)
        ]
        accented = question if has_diacritics(question) else self.restore_diacritics(question)
        if is_signer_question(accented):
            signed = signer_answer(self.index, info.question, docs)
            if signed is not None:
                return signed
        fact = asked_fact(accented)
        if fact:  # its number or date: read from the letterhead, which no passage holds
            told = document_fact_answer(self.index, info.question, docs, fact)
            if told is not None:
                return told
        covered_years = {y for d in docs for y in d.years}
        if covered_years and contains_cue(question, BASELINE_CUES):
            covered_years.add(min(covered_years) - 1)  # "so với cùng kỳ năm 2022"
        if info.years and covered_years and not set(info.years) & covered_years:
            yrs = ", ".join(map(str, info.years))
            where = (
                f" của {self.ward_kind(filters.wards[0])} {filters.wards[0]}"
                if len(filters.wards) == 1
                else ""
            )
            return refusal(
                info, self.coverage_text(), [], f"Các báo cáo hiện có{where} không có số liệu năm {yrs}"
            )
        f = Filters(filters.wards, filters.doc_types, filters.years)
        t0 = time.perf_counter()
        query = question if not info.context_tokens else f"{question} {' '.join(info.context_tokens)}"
        if not has_diacritics(question):  # the embedding model reads unaccented Vietnamese poorly
            query = self.restore_diacritics(query)
        found = self.retriever.retrieve(query, f)
        passages = found.passages
        timings.update(found.timings)
        timings["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        signals = Signals(
            query_vector=found.query_vector,
            unit_vectors=self.index.unit_vectors([p.chunk_id for p in passages])
            if found.query_vector is not None
            else {},
            unit_ranks=found.unit_ranks,
            model=self.index.model_name,
        )
        rec = self._extract(
            info, passages, signals, self.answer_threshold if threshold == "own" else threshold
        )
        timings["answer_ms"] = (time.perf_counter() - t0) * 1000
        rec.timings = timings
        rec.retrieved = passages
        return rec

    def candidates(self, info: QueryInfo, passages: list[Passage], signals: Signals) -> list[Pick]:
        """Every candidate sentence of the passages with its ranker features and probability."""
        return score_sentences(info, term_weights(info, self.index.lexical()), passages, signals)

    def _extract(
        self,
        info: QueryInfo,
        passages: list[Passage],
        signals: Signals | None = None,
        threshold: float | None = None,
    ) -> AnswerRecord:
        if not passages:
            return refusal(info, self.coverage_text(), [])
        weights = term_weights(info, self.index.lexical())
        picks = score_sentences(info, weights, passages, signals)
        if self.candidate_log is not None:
            self.candidate_log.append(picks)
        if (
            picks
            and not picks[0].extra
            and (picks[0].sentence.ends_with_colon or info.wants_list or is_heading_line(picks[0].sentence))
        ):
            self._continue_list(picks[0], passages)
        if info.wants_summary and picks and picks[0].score >= (threshold or 0.0):
            return self._summary(info, picks[0], passages)
        rec = compose(info, picks, passages, weights, threshold, self.index.model_name)
        if rec is None:
            return refusal(info, self.coverage_text(), passages)
        return rec

    def _summary(self, info: QueryInfo, best: Pick, passages: list[Passage]) -> AnswerRecord:
        """ "Tóm tắt phần …": the statements of the section the best candidate sits in, as a
        cited list (the section's own sentences, in order, headings and numbering dropped)."""
        p = passages[best.sentence.passage]
        text = self.section_text(p.doc_id, p.section) or p.text
        items = [s.text for s in split_sentences(text) if not is_heading_line(s) and len(s.text) >= 25][
            :SUMMARY_MAX
        ]
        cite = citation_for(1, p.model_copy(update={"text": text}), quote=" ".join(items))
        head = p.section.split(" > ")[-1] if p.section else "mục liên quan"
        body = "\n".join(f"- {_ITEM_MARK_RE.sub('', t).rstrip('.;')} [1]" for t in items)
        answer = f"{source_phrase(p)}, mục «{head}» nêu:\n{body}"
        return AnswerRecord(
            question=info.question,
            answer=answer,
            citations=[cite],
            mode="grounded",
            confidence=best.score,
            direct=f"Tóm tắt mục «{head}» ({len(items)} ý) [1].",
        )

    def _continue_list(self, pick: Pick, passages: list[Passage]) -> None:
        """A list lead ("… như sau:") ending its chunk: take the items from the next chunk."""
        p = passages[pick.sentence.passage]
        nxt = self.index.chunk_at(p.doc_id, p.position + 1)
        if nxt is None:
            return
        items = split_sentences(nxt.text, pick.sentence.passage)[:LIST_MAX]
        if items:
            pick.extra = items
            p.text = p.text + "\n" + "\n".join(i.text for i in items)

    def section_text(self, doc_id: str, section: str) -> str:
        return "\n\n".join(c.text for c in self.index.section_chunks(doc_id, section))
