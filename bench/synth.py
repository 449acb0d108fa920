"""Synthetic corpus for the scale benchmark, derived from the sample reports.

Copy ``i`` of the corpus is every sample document with
* its ward renamed (everywhere: text, embedded text, headings, metadata) to a
  plausible Vietnamese ward name such as "Hòa Bình 17",
* its figures perturbed (digits after the first one changed, separators and
  lengths kept; years, dates and single digits left alone),
* its sections shuffled (the preamble stays first; chunks keep their order
  inside a section; positions are renumbered).

Everything is a pure function of ``(copy, source)``: the same call gives the
same corpus. Each synthetic chunk remembers its source chunk, so the scale runs
reuse that chunk's stored vector (plus a tiny deterministic noise) instead of
re-embedding 100k chunks.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from baocao.vntext import fold
from ingest.models import Chunk, ParsedDocument, chunk_id, content_hash

# Plausible ward/commune names. None is a prefix of a sample ward or of a ward the
# dev questions name as absent (Hoàng Văn Thụ, Trần Phú, Song Mai, Lê Lợi, Dĩnh Kế),
# so "unanswerable" questions stay unanswerable at every scale.
WARD_BASES: tuple[str, ...] = (
    "Hòa Bình",
    "Tân Phú",
    "An Khánh",
    "Phú Lợi",
    "Quang Trung",
    "Thanh Xuân",
    "Minh Khai",
    "Đông Hòa",
    "Tân Định",
    "Bình An",
    "Phước Long",
    "Thạnh Mỹ",
    "Hòa Khánh",
    "Kim Liên",
    "Nghĩa Đô",
    "Yên Hòa",
    "Phú Thượng",
    "Long Biên",
    "Cẩm Lệ",
    "Hải Châu",
    "Vĩnh Hưng",
    "Tân Mai",
    "Đồng Tâm",
    "Bạch Đằng",
    "Thủy Nguyên",
    "Hưng Phú",
    "An Lạc",
    "Bình Thọ",
    "Tam Kỳ",
    "Đại Phúc",
    "Hiệp Thành",
    "Phú Hòa",
    "Tân Lập",
    "Quyết Thắng",
    "Hồng Hà",
    "Cửa Nam",
    "Phúc Xá",
    "Thượng Thanh",
    "Đức Thắng",
    "Mỹ Đình",
)

NOISE_SIGMA = 0.002  # per dimension; norm ≈ 0.04 for 384 dims before renormalising

_YEAR = re.compile(r"(?:19|20)\d\d")
# dates (kept) | numbers with thousands/decimal separators (perturbed)
_FIGURE = re.compile(r"(?<![\d/])(\d{1,2}/\d{1,2}(?:/\d{2,4})?)(?![\d/])|(?<![\d])(\d+(?:[.,]\d+)*)(?![\d])")


def _seed(*parts: object) -> int:
    h = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "little")


def ward_name(copy: int, source: int, n_sources: int) -> str:
    """Unique, deterministic synthetic ward name for ``(copy, source)``: "Hòa Bình 17"."""
    g = copy * n_sources + source
    return f"{WARD_BASES[g % len(WARD_BASES)]} {g // len(WARD_BASES) + 1}"


def perturb_figure(token: str, copy: int) -> str:
    """Change every digit after the first; keep separators, length and years."""
    digits = sum(ch.isdigit() for ch in token)
    if digits < 2 or (len(token) == 4 and _YEAR.fullmatch(token)):
        return token
    rng = random.Random(_seed("fig", copy, token))
    out, first = [], True
    for ch in token:
        if ch.isdigit():
            out.append(ch if first else str((int(ch) + rng.randint(1, 9)) % 10))
            first = False
        else:
            out.append(ch)
    return "".join(out)


def perturb_figures(text: str, copy: int) -> str:
    def sub(m: re.Match[str]) -> str:
        return m.group(0) if m.group(1) else perturb_figure(m.group(2), copy)

    return _FIGURE.sub(sub, text)


def _case_like(src: str, new: str) -> str:
    if src.isupper():
        return new.upper()
    if src.islower():
        return new.lower()
    return new


def rename_wards(text: str, renames: dict[str, str]) -> str:
    """Replace each old ward name (any letter case, with or without diacritics) by its new name."""
    for old, new in renames.items():
        for a, b in ((old, new), (fold(old), fold(new))):
            pat = re.compile(r"(?<!\w)" + re.escape(a) + r"(?!\w)", re.IGNORECASE)
            text = pat.sub(lambda m, b=b: _case_like(m.group(0), b), text)  # type: ignore[misc]
    return text


@dataclass
class SynthDoc:
    parsed: ParsedDocument
    copy: int
    source_index: int
    source_chunks: list[int]  # for each chunk: index of its source chunk in the source document


class Synthesizer:
    """Builds copies of the sample documents (see the module docstring)."""

    def __init__(self, sources: Sequence[ParsedDocument]) -> None:
        if not sources:
            raise ValueError("no source documents")
        self.sources = list(sources)
        self.source_wards = [s.metadata.ward for s in self.sources]

    @property
    def n_sources(self) -> int:
        return len(self.sources)

    def renames(self, copy: int) -> dict[str, str]:
        """Old ward name → new name, for every sample ward, in copy ``copy`` (longest first)."""
        pairs = {w: ward_name(copy, j, self.n_sources) for j, w in enumerate(self.source_wards)}
        return dict(sorted(pairs.items(), key=lambda kv: -len(kv[0])))

    def transform(self, text: str, copy: int) -> str:
        """What copy ``copy`` does to any text: perturb figures, then rename wards."""
        return rename_wards(perturb_figures(text, copy), self.renames(copy))

    def document(self, copy: int, j: int) -> SynthDoc:
        src = self.sources[j]
        renames = self.renames(copy)

        def tf(text: str) -> str:
            return rename_wards(perturb_figures(text, copy), renames)

        # group chunks by top-level section (first two heading levels), shuffle the groups
        groups: dict[tuple[str, ...], list[int]] = {}
        for k, c in enumerate(src.chunks):
            groups.setdefault(tuple(c.heading_path[:2]), []).append(k)
        order = list(groups.values())
        head, rest = order[:1], order[1:]
        random.Random(_seed("shuffle", copy, j)).shuffle(rest)
        picked = [k for g in head + rest for k in g]

        texts = [tf(src.chunks[k].text) for k in picked]
        body = "\n\n".join(texts)
        doc_id = content_hash(f"{copy}:{j}\n" + body)
        meta = src.metadata.model_copy(
            update={
                "doc_id": doc_id,
                "ward": renames[src.metadata.ward],
                "doc_number": perturb_figures(src.metadata.doc_number, copy),
                "title": tf(src.metadata.title),
                "source": f"synth_{copy:05d}_{src.metadata.source}",
            }
        )
        chunks: list[Chunk] = []
        for pos, (k, text) in enumerate(zip(picked, texts, strict=True)):
            c = src.chunks[k]
            heading = [tf(h) for h in c.heading_path]
            chunks.append(
                Chunk(
                    id=chunk_id(doc_id, heading, text, pos),
                    doc_id=doc_id,
                    text=text,
                    embed_text=tf(c.embed_text),
                    heading_path=heading,
                    page=c.page,
                    position=pos,
                )
            )
        parsed = ParsedDocument(metadata=meta, chunks=chunks, text=body)
        return SynthDoc(parsed, copy, j, picked)

    def corpus(self, copies: int) -> Iterator[SynthDoc]:
        for i in range(copies):
            for j in range(self.n_sources):
                yield self.document(i, j)


def noisy_vectors(base: np.ndarray, copy: int, source: int, picked: Sequence[int]) -> list[list[float]]:
    """Source chunk vectors (rows of ``base``) + tiny deterministic noise, L2-renormalised."""
    rows = base[list(picked)].astype(np.float32)
    rng = np.random.default_rng(_seed("noise", copy, source))
    rows = rows + rng.normal(0.0, NOISE_SIGMA, size=rows.shape).astype(np.float32)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    out: list[list[float]] = rows.tolist()
    return out
