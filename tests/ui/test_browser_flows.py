"""Everyday use in a real browser (Playwright + Debian Chromium), desktop and phone sizes.

One Streamlit server (own port on 127.0.0.1, own copy of the sample index, admin password set)
serves every test of this module and is stopped at the end.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.ui.conftest import ADMIN_PASSWORD, APP, REPO, app_environment
from tests.ui.test_browser import _free_port, _wait_healthy

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
# English a Streamlit widget would show if we let it (or jargon we replaced)
ENGLISH = [
    "Select all", "Upload", "Download", "Search", "Fullscreen", "Browse files", "Drag and drop", "per file",
    "Running", "Stop", "Deploy", "Settings", "Rerun", "Clear", "Close", "Choose", "Submit", "Cancel",
    "Delete", "No results", "Loading", "Press Enter", "Copy", "Show more", "Limit", "Markdown", "chỉ mục",
    "Số đoạn", "Expand", "Collapse", "Error", "Warning", "No options", "Type to search", "Open",
]  # fmt: skip
ENGLISH_RE = re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w])")
# visible text of the page, without icon ligatures (rendered as glyphs, e.g. "download")
VISIBLE_TEXT_JS = """() => {
  const hide = document.createElement('style');
  hide.textContent = '[data-testid="stIconMaterial"], [data-testid*="Avatar"] { display: none !important; }';
  document.head.appendChild(hide);
  const text = document.body.innerText;
  hide.remove();
  const extra = [...document.querySelectorAll('[placeholder]')].map(e => e.getAttribute('placeholder'));
  return [text, ...extra].join('\\n');
}"""
VIEWS = ["Hỏi đáp", "So sánh phường/xã", "Thư viện báo cáo", "Kiểm định"]


@pytest.fixture(scope="module")
def data_dir(sample_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("ui-flows") / "data"
    shutil.copytree(sample_data_dir, dst, ignore=shutil.ignore_patterns("write.lock"))
    return dst


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (`make browser`)")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env.update(app_environment(data_dir, ADMIN_PASSWORD))
    env["PYTHONUNBUFFERED"] = "1"
    log = (tmp_path_factory.mktemp("ui-flows-log") / "streamlit.log").open("wb")
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    cmd += ["--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser: Any, server: str, size: dict[str, int]) -> Any:
    from playwright.sync_api import expect

    ctx = browser.new_context(viewport=size, locale="vi-VN", accept_downloads=True)
    page = ctx.new_page()
    page.goto(server, wait_until="domcontentloaded")
    expect(page.get_by_text("Hỏi đáp về báo cáo")).to_be_visible(timeout=90_000)
    return page


def ask(page: Any, question: str, expect_text: str | None = None) -> Any:
    """Type a question; the last assistant message once it shows ``expect_text`` (or a source)."""
    from playwright.sync_api import expect

    n = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    msgs = page.get_by_test_id("stChatMessage")
    expect(msgs).to_have_count(n + 2, timeout=60_000)
    last = msgs.nth(n + 1)
    if expect_text:
        expect(last).to_contain_text(expect_text, timeout=60_000)
    page.wait_for_timeout(400)
    return last


def go(page: Any, view: str) -> None:
    from playwright.sync_api import expect

    titles = {"Hỏi đáp": "Hỏi đáp về báo cáo", "So sánh phường/xã": "So sánh giữa các phường/xã"}
    page.get_by_test_id("stRadio").first.get_by_text(view, exact=True).click()
    if view in titles or view in VIEWS:
        heading = page.get_by_role("heading", name=titles.get(view, view), exact=True)
        expect(heading).to_be_visible(timeout=30_000)
    page.wait_for_timeout(800)


@pytest.mark.parametrize("size", SIZES)
def test_five_turn_conversation_in_colleagues_wording(
    browser: Any, server: str, size: dict[str, int]
) -> None:
    page = open_page(browser, server, size)
    try:
        first = ask(page, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "15.300.000.000")
        assert "Xương Giang" in first.inner_text()
        second = ask(page, "còn bên Ngô Quyền thì sao", "17.384.571.763")
        assert "Câu hỏi được hiểu là: Thu ngân sách phường Ngô Quyền năm 2023" in second.inner_text()
        third = ask(page, "Thế còn chi ngân sách?", "11.000.000.000")
        assert "Chi ngân sách phường Ngô Quyền năm 2023" in third.inner_text()
        # the README's complete question after a topic switch: answered fresh, nothing carried over
        fourth = ask(page, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "15.300.000.000")
        assert "Câu hỏi được hiểu là" not in fourth.inner_text(), "a complete question is not rewritten"
        fifth = ask(page, "cảm ơn bạn nhé", "Không có gì")
        assert "Nguồn trích dẫn" not in fifth.inner_text()
        # the reply offers example questions; one click asks it
        example = fifth.get_by_role("button").filter(has_text="Thu ngân sách").first
        example.click()
        msgs = page.get_by_test_id("stChatMessage")
        from playwright.sync_api import expect

        expect(msgs).to_have_count(12, timeout=60_000)
        expect(msgs.nth(11)).to_contain_text("Nguồn trích dẫn", timeout=60_000)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= size["width"] + 1, f"the page scrolls sideways ({width}px)"
    finally:
        page.context.close()


def test_filter_wins_over_the_conversation(browser: Any, server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server, DESKTOP)
    try:
        ask(page, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "15.300.000.000")
        page.get_by_test_id("stSidebar").get_by_role("button", name="phường Ngô Quyền").click()
        expect(page.get_by_text("Đang lọc: phường Ngô Quyền")).to_be_visible(timeout=30_000)
        answer = ask(page, "Năm 2023 thì sao?", "17.384.571.763")
        text = answer.inner_text()
        assert "Ngô Quyền" in text
        labels = answer.get_by_test_id("stExpander").all_inner_texts()
        assert labels and all("Xương Giang" not in lb for lb in labels), labels
    finally:
        page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_every_page_is_vietnamese(browser: Any, server: str, size: dict[str, int]) -> None:
    page = open_page(browser, server, size)
    try:
        page.wait_for_function("document.documentElement.lang === 'vi'", timeout=15_000)
        ask(page, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "15.300.000.000")
        found: dict[str, list[str]] = {}
        views = [
            t.strip()
            for t in page.get_by_test_id("stRadio").first.locator("[role=radiogroup] label").all_inner_texts()
            if t.strip()
        ]
        views = [v for v in views if v] or VIEWS
        assert set(VIEWS) <= set(views), views
        for view in views:
            go(page, view)
            if view == "So sánh phường/xã":
                page.get_by_label("Nội dung so sánh").fill("thu ngân sách năm 2023")
                page.get_by_role("button", name="So sánh", exact=True).click()
                page.get_by_text("17.384.571.763").first.wait_for(timeout=60_000)
            if view == "Kiểm định":
                page.get_by_text("Bảng câu hỏi của tôi").click()
                page.wait_for_timeout(800)
            text = page.evaluate(VISIBLE_TEXT_JS)
            hits = sorted(set(ENGLISH_RE.findall(text)))
            if hits:
                found[view] = hits
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert not found, f"English or jargon on the page: {found}"
    finally:
        page.context.close()


def test_phone_navigation_and_sidebar(browser: Any, server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server, PHONE)
    try:
        nav = page.get_by_test_id("stRadio")
        for view in VIEWS:
            expect(nav.get_by_text(view, exact=True)).to_be_visible()
        go(page, "Thư viện báo cáo")
        cards = page.get_by_test_id("stLayoutWrapper").filter(has_text="Ngày ban hành")
        expect(cards.first).to_be_visible()
        for i in range(cards.count()):
            box = cards.nth(i).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
        go(page, "Hỏi đáp")
        page.get_by_test_id("stExpandSidebarButton").click()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_have_attribute("data-collapsed", "false")
        sidebar.get_by_role("button", name="phường Ngô Quyền").click()
        expect(sidebar).to_have_attribute("data-collapsed", "true", timeout=15_000)
        expect(page.get_by_text("Đang lọc: phường Ngô Quyền")).to_be_visible()
    finally:
        page.context.close()


def test_word_export_holds_the_citations(browser: Any, server: str, tmp_path: Path) -> None:
    from docx import Document

    page = open_page(browser, server, DESKTOP)
    try:
        answer = ask(page, "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "15.300.000.000")
        with page.expect_download() as dl:
            answer.get_by_role("button", name="Tải Word").click()
        path = tmp_path / "tra-loi.docx"
        dl.value.save_as(path)
        doc = Document(str(path))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "Hỏi: Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?" in text
        assert "15.300.000.000" in text
        assert "Nguồn trích dẫn" in text and "[1] phường Xương Giang" in text
        # the whole conversation, from the sidebar
        ask(page, "còn Ngô Quyền?", "17.384.571.763")
        with page.expect_download() as dl2:
            page.get_by_role("button", name="Tải hội thoại (Word)").click()
        dl2.value.save_as(tmp_path / "hoi-thoai.docx")
        whole = "\n".join(p.text for p in Document(str(tmp_path / "hoi-thoai.docx")).paragraphs)
        assert "15.300.000.000" in whole and "17.384.571.763" in whole and "[1] phường Ngô Quyền" in whole
    finally:
        page.context.close()


def test_conversation_survives_a_reload(browser: Any, server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server, PHONE)
    try:
        ask(page, "Phường Ngô Quyền có bao nhiêu hộ nghèo năm 2023?")
        page.wait_for_timeout(500)
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_test_id("stChatMessage").first).to_contain_text(
            "Phường Ngô Quyền có bao nhiêu hộ nghèo năm 2023?", timeout=60_000
        )
        # a fresh page in the same browser lists it among earlier conversations
        other = page.context.new_page()
        other.goto(page.url, wait_until="domcontentloaded")
        other.get_by_test_id("stExpandSidebarButton").click()
        expect(other.get_by_test_id("stSidebar")).to_contain_text("Phường Ngô Quyền có bao nhiêu hộ nghèo")
    finally:
        page.context.close()


SHEET = [
    ["Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?", "15.300.000.000", "Xương Giang", ""],
    ["Thu ngân sách phường Ngô Quyền năm 2023 đạt bao nhiêu?", "17.384.571.763", "Ngô Quyền", ""],
    ["Tỷ lệ hộ nghèo phường Xương Giang năm 2023?", "0,14%", "Xương Giang", ""],
    ["Số ca mắc sốt xuất huyết của phường Xương Giang năm 2023?", "", "Xương Giang", "x"],
    ["Thu ngân sách phường Xương Giang năm 2019 là bao nhiêu?", "", "Xương Giang", "x"],
]


def _cli_scores(data_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """``python -m eval run`` on the same questions, scored by eval.metrics."""
    from eval.metrics import summarise
    from eval.runner import load_records, read_questions

    qfile = tmp_path / "cau-hoi.jsonl"
    with open(qfile, "w", encoding="utf-8") as fh:
        for i, (q, must, ward, no) in enumerate(SHEET, start=2):
            row = {
                "id": f"dong{i}",
                "question": q,
                "wards": [ward],
                "category": "unanswerable" if no else "fact_number",
                "must_contain": [must] if must else [],
                "answerable": not no,
                "evidence": [must] if must else [],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    out = tmp_path / "tra-loi.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env.update(app_environment(data_dir))
    cmd = [sys.executable, "-m", "eval", "run", "--questions", str(qfile), "--out", str(out)]
    cmd += ["--report-dir", str(tmp_path / "reports")]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    questions, _ = read_questions(qfile)
    return summarise(load_records(out), questions)


def test_uploaded_excel_sheet_scores_like_eval_run(
    browser: Any, server: str, data_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from ui.eval_report import pct

    sheet = tmp_path / "cau-hoi.xlsx"
    buf = io.BytesIO()
    pd.DataFrame(SHEET, columns=["câu hỏi", "cần có", "phường/xã", "không có trong báo cáo"]).to_excel(
        buf, index=False
    )
    sheet.write_bytes(buf.getvalue())
    page = open_page(browser, server, DESKTOP)
    try:
        go(page, "Kiểm định")
        page.get_by_text("Bảng câu hỏi của tôi").click()
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(sheet))
        expect(page.get_by_text("cau-hoi.xlsx")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Chạy kiểm định").click()
        expect(page.get_by_text("Kết quả: cau-hoi.xlsx")).to_be_visible(timeout=180_000)
        metrics = page.get_by_test_id("stMetric")
        expect(metrics).to_have_count(4, timeout=30_000)
        expect(metrics.nth(3).get_by_test_id("stMetricValue")).to_be_visible()
        page.wait_for_timeout(500)
        shown = {
            metrics.nth(i).get_by_test_id("stMetricLabel").inner_text().strip(): metrics.nth(i)
            .get_by_test_id("stMetricValue")
            .inner_text()
            .strip()
            for i in range(metrics.count())
        }
        expected = _cli_scores(data_dir, tmp_path)["overall"]
        assert shown["Trả lời đúng"] == pct(expected["accuracy"]), (shown, expected)
        assert shown["Từ chối đúng"] == pct(expected["refusal_recall"]), (shown, expected)
        assert shown["Từ chối nhầm"] == pct(expected["false_refusal_rate"]), (shown, expected)
        assert shown["Trích dẫn có đáp án"] == pct(expected["citation_precision"]), (shown, expected)
        with page.expect_download() as dl:
            page.get_by_role("button", name="Tải kết quả (Excel)").click()
        dl.value.save_as(tmp_path / "ket-qua.xlsx")
        book = pd.read_excel(tmp_path / "ket-qua.xlsx", sheet_name=None)
        assert {"Tổng hợp", "Theo loại", "Câu sai"} <= set(book)
    finally:
        page.context.close()


# last: it removes a report from the shared index
def test_delete_needs_a_named_confirmation(browser: Any, server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server, DESKTOP)
    try:
        go(page, "Thư viện báo cáo")
        pw = page.get_by_test_id("stSidebar").get_by_label("Mật khẩu quản trị", exact=True)
        pw.fill(ADMIN_PASSWORD)
        pw.press("Enter")
        expect(page.get_by_text("Xoá báo cáo", exact=True)).to_be_visible(timeout=30_000)
        cards = page.get_by_test_id("stLayoutWrapper").filter(has_text="Ngày ban hành")
        before = cards.count()
        go_button = page.get_by_role("button", name="Xoá báo cáo…")
        expect(go_button).to_be_disabled()  # nothing is chosen at first
        page.get_by_role("radiogroup", name="Chọn báo cáo cần xoá").get_by_text(
            re.compile("Ngô Quyền")
        ).click()
        expect(go_button).to_be_enabled()
        go_button.click()
        warning = page.get_by_text(re.compile("Xoá hẳn báo cáo «phường Ngô Quyền"))
        expect(warning).to_be_visible(timeout=15_000)
        page.get_by_role("button", name="Huỷ").click()
        expect(warning).to_be_hidden()
        assert cards.count() == before
        go_button.click()
        page.get_by_role("button", name="Xoá báo cáo này").click()
        expect(page.get_by_text(re.compile("Đã xoá: phường Ngô Quyền"))).to_be_visible(timeout=30_000)
        expect(cards).to_have_count(before - 1)
    finally:
        page.context.close()
