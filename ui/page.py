"""Page chrome we control: Vietnamese page language, phone layout, small browser helpers.

Only fixed strings go through ``st.html`` here — never text from a report or a user.
"""

from __future__ import annotations

import streamlit as st

COOKIE = "baocao_trinh_duyet"

_STYLE = """
<style>
/* Streamlit's own English status widget ("Running…/Stop") is replaced by our spinners */
[data-testid="stStatusWidget"], [data-testid="stMainMenu"],
[data-testid="stAppDeployButton"] { display: none !important; }
/* the sidebar button says what the sidebar holds (it was an unlabelled "»") */
[data-testid="stExpandSidebarButton"] { width: auto !important; padding: 0 .5rem !important; }
[data-testid="stExpandSidebarButton"]::after { content: "Bộ lọc · Hội thoại"; font-size: .9rem; margin-left: .35rem; }
/* the file uploader's English instructions: our Vietnamese caption says the same */
[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }
.block-container { padding-top: 2.5rem; }
@media (max-width: 640px) {
  .block-container { padding-left: 0.8rem !important; padding-right: 0.8rem !important; }
  [data-testid="stChatMessage"] { padding: 0.4rem !important; }
  [data-testid="stMarkdownContainer"] { overflow-wrap: anywhere; word-break: break-word; }
  [data-testid="stRadio"] [role="radiogroup"] { flex-wrap: wrap; gap: 0.2rem 0.8rem; }
  h1 { font-size: 1.5rem !important; }
}
</style>
"""

_LANG_JS = """
<script>
(function () {
  var doc = window.parent && window.parent.document ? window.parent.document : document;
  try { doc.documentElement.lang = "vi"; } catch (e) { document.documentElement.lang = "vi"; }
  document.documentElement.lang = "vi";
  // widget texts Streamlit only has in English: put ours in (and again after each re-render)
  var fix = function () {
    doc.documentElement.lang = "vi";
    doc.querySelectorAll('[data-testid="stFileUploaderDropzone"] button').forEach(function (b) {
      if (b.textContent.trim() !== "Chọn tệp") b.textContent = "Chọn tệp";
    });
  };
  if (!window.__baocaoVi) {
    window.__baocaoVi = new MutationObserver(fix);
    window.__baocaoVi.observe(doc.body, { childList: true, subtree: true });
  }
  fix();
})();
</script>
"""


def chrome() -> None:
    """Styles and the page language (once per run; invisible)."""
    st.html(_STYLE + _LANG_JS, unsafe_allow_javascript=True)


def remember_browser(browser_id: str) -> None:
    """Keep this browser's id in a cookie (a year) so its conversations can be listed."""
    safe = "".join(c for c in browser_id if c in "0123456789abcdef")[:32]
    st.html(
        "<script>document.cookie = '"
        + COOKIE
        + "="
        + safe
        + "; path=/; max-age=31536000; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def close_sidebar_on_phone() -> None:
    """After a choice made in the sidebar, fold it away on a narrow screen."""
    st.html(
        """<script>
setTimeout(function () {
  if (window.innerWidth > 640) return;
  var sb = document.querySelector('[data-testid="stSidebar"]');
  if (!sb || sb.getAttribute('data-collapsed') === 'true') return;
  var b = sb.querySelector('[data-testid="stSidebarCollapseButton"] button')
       || sb.querySelector('button[aria-expanded="true"]')
       || sb.querySelector('button[kind="headerNoPadding"]');
  if (b) b.click();
}, 150);
</script>""",
        unsafe_allow_javascript=True,
    )


def copy_button(key: str) -> None:
    """A "Sao chép" button copying the text of the answer it sits in (read from the page)."""
    safe = "".join(c for c in key if c.isalnum() or c in "-_")
    st.html(
        f"""<button id="copy-{safe}" type="button" class="baocao-copy"
  style="border:1px solid rgba(49,51,63,.2);border-radius:.5rem;background:transparent;padding:.15rem .6rem;cursor:pointer;font-size:.85rem"
  >Sao chép câu trả lời</button>
<script>
(function () {{
  var b = document.getElementById("copy-{safe}");
  if (!b || b.dataset.bound) return;
  b.dataset.bound = "1";
  b.addEventListener("click", function () {{
    var msg = b.closest('[data-testid="stChatMessage"]') || b.closest('[data-testid="stVerticalBlock"]');
    var box = msg ? msg.querySelector('[data-testid="stChatMessageContent"]') || msg : null;
    var text = box ? box.innerText.replace("Sao chép câu trả lời", "").trim() : "";
    function done() {{ b.textContent = "✓ Đã sao chép"; setTimeout(function () {{ b.textContent = "Sao chép câu trả lời"; }}, 2000); }}
    if (navigator.clipboard && window.isSecureContext) {{
      navigator.clipboard.writeText(text).then(done, function () {{ legacy(); }});
    }} else {{ legacy(); }}
    function legacy() {{
      var t = document.createElement("textarea"); t.value = text; document.body.appendChild(t);
      t.select(); try {{ document.execCommand("copy"); done(); }} catch (e) {{}} document.body.removeChild(t);
    }}
  }});
}})();
</script>""",
        unsafe_allow_javascript=True,
        width="content",
    )
