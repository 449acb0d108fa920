"""Render report texts as PDFs laid out like a Word export, for the ``*_pdf`` held-out sets.

    python -m eval.render_pdf SRC_DIR OUT_DIR

The officials' files are mostly Word documents exported to PDF, not text. To measure what
the PDF path loses, each ``.txt``/``.md`` report is printed by Chromium (a real text-layer
PDF, as Word writes one) in the layout of a Vietnamese administrative document (Nghị định
30/2020): A4, a serif with every Vietnamese glyph (DejaVu Serif; Liberation lacks some, and mixed fonts are not what Word writes) 13 pt, justified paragraphs with a first-line indent, the
letterhead as a borderless two-column table (agency and number left, national motto and date
right), bold headings, superscript footnote markers, the signature block as a two-column
table ("Nơi nhận" left, the signer right), and the page number at the top centre. Lines wrap
where the browser wraps them, so sentences, numbers and compounds ("17-CT/TU") cross line
and page breaks as they do in real exports. The text is what the product reads from the
``.txt`` (``ingest.pipeline.parse_file``: paragraphs joined, doubled "fake bold" glyphs
collapsed), so what the ``*_pdf`` sets lose against their text sets is the PDF path's loss.
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

CSS = """
@page { size: A4; margin: 2cm 2cm 2cm 3cm; }
body { font-family: 'DejaVu Serif', 'Times New Roman', serif; font-size: 13pt; line-height: 1.3; }
p { margin: 0 0 6pt 0; text-align: justify; text-indent: 1cm; }
p.h { font-weight: bold; text-indent: 0; }
p.t { font-weight: bold; text-align: center; text-indent: 0; margin: 0; }
table.frame { width: 100%; border-collapse: collapse; margin-bottom: 12pt; }
table.frame td { vertical-align: top; text-align: center; padding: 0; font-size: 11pt; }
table.frame td.left { width: 38%; }
td.notes { text-align: left !important; font-size: 11pt; }
"""
PAGE_NUMBER = (
    "<div style='font-size:11pt;width:100%;text-align:center'><span class='pageNumber'></span></div>"
)
_RIGHT_HEAD = re.compile(r"CỘNG H[OÒ]À|Độc lập|ngày\s+\d+\s+tháng|^[-–—_\s]+$", re.IGNORECASE)
_TITLE = re.compile(r"^(?:\*\*)?\s*(BÁO CÁO|KẾ HOẠCH|TỜ TRÌNH|NGHỊ QUYẾT|QUYẾT ĐỊNH)\b")
_HEADING = re.compile(r"^(?:Phần thứ|PHẦN|[IVX]+\.\s|[A-ZĐ]\.\s)")
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.|[a-zđ]\))\s")  # "1. Công nghiệp", "a) Đất đai"
_SIGN_START = re.compile(r"^(?:\*\*)?\s*Nơi nhận", re.IGNORECASE)
_SIGNER = re.compile(r"^(?:TM\.|KT\.|Q\.|TL\.|CHỦ TỊCH|PHÓ CHỦ TỊCH)")


def _inline(text: str) -> str:
    """Escaped text with the source's Markdown bold and <sup> markers as real formatting."""
    out = html.escape(text.strip())
    out = re.sub(r"&lt;sup&gt;\s*(.*?)\s*&lt;/sup&gt;", r"<sup>\1</sup>", out)
    if not out.startswith("Chú thích"):  # a footnote reference "35ha(1)" is set as Word sets it
        out = re.sub(r"(?<=[^\s(])\((\d{1,2})\)", r"<sup>(\1)</sup>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return out.replace("**", "")


def _plain(text: str) -> str:
    return re.sub(r"\*\*|<[^>]+>", "", text).strip()


def _furniture(line: str) -> bool:
    """A page number or a web address the source's own pages carried (the new PDF has its own)."""
    return bool(re.fullmatch(r"\d{1,3}|https?://\S+", line))


def document_html(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not _furniture(ln.strip())]
    title = next((i for i, ln in enumerate(lines[:30]) if _TITLE.match(ln)), 0)
    head, body = lines[:title], lines[title:]
    sign = next((i for i, ln in enumerate(body) if _SIGN_START.match(ln)), len(body))
    body, tail = body[:sign], body[sign:]
    parts = []
    if head:
        left = [_inline(ln) for ln in head if not _RIGHT_HEAD.search(_plain(ln))]
        right = [_inline(ln) for ln in head if _RIGHT_HEAD.search(_plain(ln))]
        parts.append(
            f"<table class='frame'><tr><td class='left'>{'<br>'.join(left)}</td>"
            f"<td>{'<br>'.join(right)}</td></tr></table>"
        )
    for i, ln in enumerate(body):
        plain = _plain(ln)
        if i < 3 and (i == 0 or ln.startswith("**")) and len(plain) < 200:
            parts.append(f"<p class='t'>{_inline(ln)}</p>")
        elif (
            _HEADING.match(plain)
            or (ln.startswith("**") and ln.rstrip().endswith("**"))
            or plain.isupper()
            or (_NUMBERED.match(plain) and len(plain) < 90 and plain[-1] not in ".;,")
        ):
            parts.append(f"<p class='h'>{_inline(ln)}</p>")
        else:
            parts.append(f"<p>{_inline(ln)}</p>")
    if tail:
        k = next((i for i, ln in enumerate(tail) if _SIGNER.match(_plain(ln))), len(tail))
        notes, signer = tail[:k], tail[k:]
        parts.append(
            f"<table class='frame' style='margin-top:12pt'><tr><td class='left notes'>"
            f"{'<br>'.join(_inline(x) for x in notes)}</td>"
            f"<td><b>{'<br>'.join(_inline(x) for x in signer[:-1])}</b><br><br><br><br>"
            f"<b>{_inline(signer[-1]) if signer else ''}</b></td></tr></table>"
        )
    return (
        f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>{''.join(parts)}</body></html>"
    )


def render(src_dir: Path, out_dir: Path, pattern: str = "*.txt") -> list[Path]:
    from playwright.sync_api import sync_playwright

    from baocao.settings import load_settings
    from eval.heldout import report_wards
    from ingest.pipeline import parse_file

    settings = load_settings()
    wards = report_wards(src_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        for src in sorted(src_dir.glob(pattern)):
            page.set_content(document_html(parse_file(src, settings, ward=wards.get(src.name)).text))
            target = out_dir / (src.stem + ".pdf")
            page.pdf(
                path=str(target),
                format="A4",
                display_header_footer=True,
                header_template=PAGE_NUMBER,
                footer_template="<span></span>",
                margin={"top": "2cm", "bottom": "2cm", "left": "3cm", "right": "2cm"},
            )
            written.append(target)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--pattern", default="*.txt", help="which files of SRC are reports")
    args = ap.parse_args(argv)
    for p in render(args.src, args.out, args.pattern):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
