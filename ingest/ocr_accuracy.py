"""Measure OCR character accuracy on real text: render each page of a text PDF to an
image-only PDF, read it back with ``ingest.ocr`` and compare with the page's text layer.

    python -m ingest.ocr_accuracy tests/data/real/ubnd_tt_ngai_giao_qd_2024.pdf [--dpi 200]

Prints one line per page and the mean (1 − character error rate).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from ingest import ocr


def image_only_pdf(pdf_bytes: bytes, dpi: int = 200, pages: list[int] | None = None) -> bytes:
    """The pages of ``pdf_bytes`` as scanned images only (no text layer), like a scan."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        idx = pages if pages is not None else list(range(len(doc)))
        images = []
        for i in idx:
            page = doc[i]
            images.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            page.close()
    finally:
        doc.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return out.getvalue()


def page_accuracy(pdf_bytes: bytes, dpi: int = 200) -> list[float]:
    """Character accuracy of OCR on each page of a text PDF rendered to an image."""
    import pdfplumber

    scanned = image_only_pdf(pdf_bytes, dpi)
    out: list[float] = []
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        for i, page in enumerate(pdf.pages):
            reference = page.dedupe_chars(tolerance=1).extract_text() or ""
            if not reference.strip():
                continue
            out.append(ocr.char_accuracy(reference, ocr.page_text(scanned, i)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="OCR character accuracy on pages rendered from text PDFs")
    ap.add_argument("pdf", nargs="+", type=Path)
    ap.add_argument("--dpi", type=int, default=200)
    args = ap.parse_args(argv)
    if not ocr.available():
        print("Chưa cài Tesseract (tesseract-ocr, tesseract-ocr-vie): chạy `make ocr`.", file=sys.stderr)
        return 2
    scores: list[float] = []
    for path in args.pdf:
        acc = page_accuracy(path.read_bytes(), args.dpi)
        for i, a in enumerate(acc, start=1):
            print(f"{path.name}\ttr. {i}\t{a:.4f}")
        scores.extend(acc)
    if scores:
        print(f"mean\t{len(scores)} pages\t{sum(scores) / len(scores):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
