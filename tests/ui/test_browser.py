"""The app in a real browser: Streamlit server subprocess + Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import APP, ARTIFACTS, REPO, app_environment

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "Thu ngân sách phường Xương Giang năm 2023 ước đạt bao nhiêu?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture
def server(sample_data_dir: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env.update(app_environment(sample_data_dir))
    env["PYTHONUNBUFFERED"] = "1"
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--client.toolbarMode",
            "minimal",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
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


def test_ask_in_browser(server: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (install it: apt-get install chromium; or `make browser`)")
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "ui-answer.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="vi-VN")
            page.goto(server, wait_until="domcontentloaded")
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_visible(timeout=90_000)
            box.fill(QUESTION)
            box.press("Enter")
            answer = page.get_by_test_id("stChatMessage").filter(has_text="15.300.000.000").last
            expect(answer).to_be_visible(timeout=90_000)
            expander = answer.get_by_test_id("stExpander").filter(has_text="Xương Giang").first
            expect(expander).to_be_visible(timeout=30_000)
            # open the first citation to show the highlighted passage
            expander.locator("summary").first.click()
            expect(expander.get_by_text("Thu ngân sách phường ước", exact=False).first).to_be_visible(
                timeout=10_000
            )
            # no raw markup from the report reached the page
            assert "<sup>" not in answer.inner_text()
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.exists() and shot.stat().st_size > 10_000
