"""Issue 17 item 6: web and e-mail addresses in report text are never turned into links.

remark-gfm (Streamlit's Markdown) links "http://…", "www.…" and "a@b.c" found in the text
after backslash escapes are resolved, so escaping ``:`` is not enough; the renderer puts an
invisible WORD JOINER inside each address. The text a reader sees is unchanged."""

from __future__ import annotations

import html
import re

import pytest

from ui.render import answer_markdown, escape_inline, escape_md, escape_stream_piece

pytestmark = pytest.mark.unit

WJ = "\u2060"
# the patterns of mdast-util-gfm-autolink-literal
URL_RE = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE)
EMAIL_RE = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")

TEXTS = [
    "Chi tiết tại https://ubnd.hoiphu.gov.vn/bao-cao?nam=2023 và http://x.vn",
    "Cổng thông tin www.hoiphu.gov.vn; WWW.ABC.VN",
    "Liên hệ: vanthu.hoiphu@gmail.com hoặc ubnd@hoiphu.gov.vn",
    "ftp://kho.vn/tep mailto:ubnd@hoiphu.gov.vn javascript:alert(1)",
]


def _as_markdown_text(escaped: str) -> str:
    """What the Markdown parser keeps as text: backslash escapes and entities resolved."""
    return html.unescape(re.sub(r"\\(.)", r"\1", escaped))


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("render", [escape_md, escape_inline, escape_stream_piece, answer_markdown])
def test_addresses_are_never_autolinked(text: str, render) -> None:  # type: ignore[no-untyped-def]
    shown = _as_markdown_text(render(text))
    assert not URL_RE.search(shown), shown
    assert not EMAIL_RE.search(shown), shown
    assert shown.replace(WJ, "") == text  # the reader sees the same characters
