"""OCR of PDF pages that have no text layer (scans), with Tesseract's Vietnamese model.

Pages are rendered with pypdfium2 (already a dependency of pdfplumber) and read with
``pytesseract`` (``tesseract-ocr`` + ``tesseract-ocr-vie`` from Debian, installed by
``make install-ocr``). The text is returned line by line; the usual repair stage
(NFC, joining wrapped lines, letterhead) then runs on it like on any PDF text.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import unicodedata
from typing import Any

log = logging.getLogger(__name__)

LANG = "vie"
DPI = 300
# psm 4: a single column of text of variable sizes — keeps a letterhead's two columns on
# one line (repair splits them) and table rows on one line.
TESSERACT_CONFIG = "--oem 1 --psm 4"
_MIN_CHARS = 25  # a page with fewer printable characters than this has no usable text layer


class OcrUnavailable(RuntimeError):
    """Tesseract or its Vietnamese model is not installed."""


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Is ``tesseract`` with the ``vie`` model installed?"""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        return LANG in pytesseract.get_languages(config="")
    except Exception:  # broken install: behave as if absent
        log.warning("tesseract found but its languages could not be listed", exc_info=True)
        return False


def needs_ocr(page: Any) -> bool:
    """A pdfplumber page without a usable text layer (a scanned image)."""
    chars = [c for c in page.chars if c.get("text", "").strip()]
    return len(chars) < _MIN_CHARS and bool(page.images)


def garbled_text_layer(page: Any) -> bool:
    """A text layer that is not Vietnamese: an old OCR pass or a legacy font without a
    Unicode map ("UY BAN NHAN DAN CONG HOA XA H01 …"). Vietnamese prose has tone marks on
    about a quarter of its letters; such layers have almost none."""
    letters = [c["text"] for c in page.chars if c.get("text", "").isalpha()]
    if len(letters) < 200:
        return False
    marked = sum(1 for c in letters if c in "đĐ" or len(unicodedata.normalize("NFD", c)) > 1)
    return marked / len(letters) < 0.05


def render_page(pdf_bytes: bytes, index: int, dpi: int = DPI) -> Any:
    """Page ``index`` (0-based) as a PIL image."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        page = doc[index]
        try:
            return page.render(scale=dpi / 72, grayscale=True).to_pil()
        finally:
            page.close()
    finally:
        doc.close()


def image_text(image: Any) -> str:
    """Tesseract (Vietnamese) on one image → NFC text."""
    if not available():
        raise OcrUnavailable("tesseract-ocr / tesseract-ocr-vie")
    import pytesseract

    text = pytesseract.image_to_string(image, lang=LANG, config=TESSERACT_CONFIG)
    return clean_ocr(text)


def clean_ocr(text: str) -> str:
    """Normalise what Tesseract returns: NFC, straight spaces, no empty runs of lines."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\f", "\n")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"[|]\s*$", "", text, flags=re.MULTILINE)  # table rules read as "|"
    text = "\n".join(ln for ln in text.split("\n") if not _speck(ln))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _speck(line: str) -> bool:
    """A line of specks read from dirt, stamps or signatures ("^ é€", "| E Jy")."""
    s = line.strip()
    if not s or re.search(r"\d{2,}|^\d+[.)]?$|^[a-zđ]\)", s):
        return False  # a figure, a list marker
    words = [w for w in re.findall(r"[^\W\d_]+", s) if len(w) >= 2]
    return not words or (len(s) <= 8 and not any(w[:1].isupper() or len(w) >= 3 for w in words))


def page_text(pdf_bytes: bytes, index: int) -> str:
    return image_text(render_page(pdf_bytes, index))


def char_accuracy(reference: str, hypothesis: str) -> float:
    """1 − character error rate (Levenshtein distance / reference length), on NFC text with
    whitespace runs collapsed — the usual OCR measure."""
    ref = re.sub(r"\s+", " ", unicodedata.normalize("NFC", reference)).strip()
    hyp = re.sub(r"\s+", " ", unicodedata.normalize("NFC", hypothesis)).strip()
    if not ref:
        raise ValueError("empty reference text")
    prev = list(range(len(hyp) + 1))
    for i, rc in enumerate(ref, start=1):
        cur = [i]
        for j, hc in enumerate(hyp, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc)))
        prev = cur
    return max(0.0, 1.0 - prev[-1] / len(ref))
