"""Access control of the Streamlit app: admin password, upload limits, bind address.

AppTest runs ``ui/app.py`` in this process over a small hash-embedder index.
"""

from __future__ import annotations

import hmac
import inspect
import logging
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.fixtures_bad import NGO_QUYEN, REPO, XUONG_GIANG, build_index, hoi_phu_report, texts

PASSWORD = "Mật-khẩu-quản-trị#2024!"
WRONG = "mat-khau-sai-0000"
VIEW_CHAT, VIEW_COMPARE, VIEW_LIBRARY = "Hỏi đáp", "So sánh phường/xã", "Thư viện báo cáo"


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("access") / "data", [str(NGO_QUYEN)])


@pytest.fixture
def data_dir(base_index: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(base_index, dst, ignore=shutil.ignore_patterns("write.lock"))
    return dst


def start(data: Path, monkeypatch: pytest.MonkeyPatch, password: str | None, **env: str) -> Any:
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, app_environment

    for k, v in app_environment(data, password).items():
        monkeypatch.setenv(k, v)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def pw_boxes(at: Any) -> list[Any]:
    return [t for t in at.sidebar.text_input if t.key == "admin_pw"]


def admin_controls(at: Any) -> list[str]:
    """Keys/types of every upload/remove control currently on the page."""
    found = []
    if at.get("file_uploader"):
        found.append("file_uploader")
    found += [b.key for b in at.button if b.key in {"up_go", "rm_go", "admin_logout"}]
    found += ["rm_doc" for r in at.radio if str(r.key).startswith("rm_doc")]
    found += [b.key for b in at.button if b.key == "rm_confirm_go"]
    found += [t.key for t in at.text_input if t.key == "up_ward"]
    return found


def stored_sources(data_dir: Path) -> list[str]:
    """The reports the store holds (the library page shows cards, not a table)."""
    from baocao.settings import load_settings
    from vectorstore.index import Index

    return sorted(d.source for d in Index(load_settings(data_dir=data_dir)).list_documents())


def login(at: Any, attempt: str) -> Any:
    pw_boxes(at)[0].input(attempt).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# controls ----------------------------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("password", [None, ""], ids=["unset", "empty"])
def test_no_admin_controls_without_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, password: str | None
) -> None:
    at = start(data_dir, monkeypatch, password)
    if password is None:
        monkeypatch.delenv("BAOCAO_ADMIN_PASSWORD")  # really unset, not just empty
        at.run()
    for view in (VIEW_CHAT, VIEW_COMPARE, VIEW_LIBRARY):
        at.radio(key="view").set_value(view).run()
        assert not at.exception
        assert not pw_boxes(at), view
        assert admin_controls(at) == [], (view, admin_controls(at))
    # forging the session flag does not help either: no password configured = no admin
    at.session_state["is_admin"] = True
    at.run()
    assert admin_controls(at) == []


@pytest.mark.integration
def test_controls_only_after_the_right_password(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # more near misses than the throttle lets through in a row: raise its free attempts
    at = start(data_dir, monkeypatch, PASSWORD, BAOCAO_ADMIN_FREE_ATTEMPTS="10")
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    assert pw_boxes(at) and admin_controls(at) == []

    for attempt in (WRONG, PASSWORD.upper(), PASSWORD + " ", PASSWORD[:-1], " "):
        login(at, attempt)
        assert admin_controls(at) == [], attempt
        assert any("không đúng" in e.value for e in at.sidebar.error), attempt
        assert at.session_state["is_admin"] is False
        assert pw_boxes(at)[0].value == "", "the wrong attempt is not kept in the box"

    login(at, PASSWORD)
    assert {"file_uploader", "up_go", "rm_go", "rm_doc"} <= set(admin_controls(at))
    assert not pw_boxes(at)
    # logging out removes them again
    at.button(key="admin_logout").click().run()
    assert admin_controls(at) == [] and pw_boxes(at)


@pytest.mark.integration
def test_admin_is_per_session(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(data_dir, monkeypatch, PASSWORD)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, PASSWORD)
    assert "file_uploader" in admin_controls(at)
    other = start(data_dir, monkeypatch, PASSWORD)  # a second browser session
    other.radio(key="view").set_value(VIEW_LIBRARY).run()
    assert admin_controls(other) == [] and pw_boxes(other)


@pytest.mark.integration
def test_remove_callback_checks_admin_on_the_server(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A remove click that arrives when the session is no longer admin (stale or forged event)
    is refused by the callback itself, not only by the button being hidden."""
    at = start(data_dir, monkeypatch, PASSWORD)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, PASSWORD)
    before = stored_sources(data_dir)
    chooser = next(r for r in at.radio if str(r.key).startswith("rm_doc"))
    chooser.set_value(chooser.options[0]).run()
    at.button(key="rm_go").click().run()  # asks for the named confirmation
    at.button(key="rm_confirm_go").click()
    at.session_state["is_admin"] = False  # the same event, after the admin state is gone
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert stored_sources(data_dir) == before
    assert not [s for s in at.success if "Đã xoá" in s.value]


# the password never leaks --------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append(self.format(record))
        except Exception:  # a record that cannot be formatted still counts
            self.records.append(repr(record.__dict__))
        self.records.append(repr(record.args))


@pytest.fixture
def all_logs() -> Iterator[_Collect]:
    """Every logger (streamlit's do not propagate) at DEBUG into one handler."""
    h = _Collect()
    loggers = [logging.getLogger()] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(h)
        lg.setLevel(logging.DEBUG)
    try:
        yield h
    finally:
        for lg, level in saved:
            lg.removeHandler(h)
            lg.setLevel(level)


@pytest.mark.integration
def test_password_never_logged_shown_or_in_the_url(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, all_logs: _Collect, capfd: pytest.CaptureFixture[str]
) -> None:
    at = start(data_dir, monkeypatch, PASSWORD)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, WRONG)
    login(at, PASSWORD)
    assert "file_uploader" in admin_controls(at)
    at.get("file_uploader")[0].set_value(("hoi_phu.txt", hoi_phu_report().encode(), "text/plain"))
    at.button(key="up_go").click().run()
    assert any("Đã thêm" in s.value for s in at.success)
    assert all_logs.records, "the DEBUG capture saw nothing: the fixture is broken"

    out, err = capfd.readouterr()
    haystacks = {
        "logs": "\n".join(all_logs.records),
        "stdout": out,
        "stderr": err,
        "page": "\n".join(texts(at._tree)),
        "query_params": repr(dict(at.query_params)),
        "session_state": repr(at.session_state.to_dict()),
    }
    for where, text in haystacks.items():
        for secret in (PASSWORD, WRONG):
            assert secret not in text, f"{secret!r} found in {where}"
    assert dict(at.query_params) == {}, "nothing about the session goes into the URL"
    assert at.session_state.to_dict().get("admin_pw", "") == "", "the attempt is forgotten after the check"


@pytest.mark.integration
def test_failed_admin_login_is_logged_without_the_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, all_logs: _Collect
) -> None:
    """Issue 17 item 8: every failed login leaves a WARNING (with the count), never the attempt."""
    at = start(data_dir, monkeypatch, PASSWORD)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, WRONG)
    login(at, WRONG + "2")
    # one handler on every logger: a record is seen once per logger it passes, so count it once
    rejected = list(dict.fromkeys(r for r in all_logs.records if "admin password rejected" in r))
    assert len(rejected) == 2 and "2 failed attempts" in rejected[-1], all_logs.records
    text = "\n".join(all_logs.records)
    for secret in (PASSWORD, WRONG):
        assert secret not in text


@pytest.mark.unit
def test_settings_repr_hides_the_password() -> None:
    from baocao.settings import load_settings

    s = load_settings(admin_password=PASSWORD, llm_api_key="sk-bi-mat-123")
    for text in (repr(s), str(s), s.model_dump_json()):
        assert PASSWORD not in text and "sk-bi-mat-123" not in text


@pytest.mark.integration
def test_fingerprint_cache_key_hides_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import state

    monkeypatch.setenv("BAOCAO_ADMIN_PASSWORD", PASSWORD)
    fp = state.config_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", fp) and PASSWORD not in fp
    monkeypatch.setenv("BAOCAO_ADMIN_PASSWORD", WRONG)
    assert state.config_fingerprint() != fp


# constant-time comparison --------------------------------------------------------------------------


@pytest.mark.unit
def test_check_password_uses_hmac_compare_digest_source() -> None:
    from ui import state

    src = inspect.getsource(state.check_password)
    assert "hmac.compare_digest(" in src
    assert not re.search(r"attempt\s*==|==\s*attempt|secret\s*==|==\s*secret|get_secret_value\(\)\s*==", src)


@pytest.mark.unit
def test_check_password_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    from baocao.settings import load_settings
    from ui import state

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(state.hmac, "compare_digest", spy)
    s = load_settings(admin_password=PASSWORD)
    assert state.check_password(s, PASSWORD) is True
    assert calls and calls[-1] == (PASSWORD.encode(), PASSWORD.encode())
    for bad in (WRONG, "", PASSWORD.upper(), PASSWORD + "\x00", "🙂" * 100, "x" * 100_000):
        assert state.check_password(s, bad) is False, bad
    assert state.check_password(load_settings(admin_password=None), PASSWORD) is False
    assert state.check_password(load_settings(admin_password=""), "") is False


@pytest.mark.integration
def test_login_goes_through_compare_digest(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui.state

    calls: list[int] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr(ui.state.hmac, "compare_digest", spy)
    at = start(data_dir, monkeypatch, PASSWORD)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, WRONG)
    assert len(calls) == 1 and admin_controls(at) == []
    login(at, PASSWORD)
    assert len(calls) == 2 and "file_uploader" in admin_controls(at)


@pytest.mark.integration
def test_whitespace_only_password_is_not_configured(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(data_dir, monkeypatch, "   ")
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    assert not pw_boxes(at), "a blank password must count as 'no admin configured'"


# upload size limit --------------------------------------------------------------------------------


@pytest.mark.integration
def test_upload_size_limit_enforced(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start(data_dir, monkeypatch, PASSWORD, BAOCAO_MAX_FILE_MB="0.01")
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, PASSWORD)
    before = stored_sources(data_dir)
    up = at.get("file_uploader")[0]
    assert up.proto.max_upload_size_mb == 1  # the widget's own limit (whole MB, rounded up)
    assert "tối đa 0.01 MB" in up.label
    big = XUONG_GIANG.read_bytes()  # ~48 KB > 10 KB
    up.set_value(("lon.txt", big, "text/plain"))
    at.button(key="up_go").click().run()
    assert not at.exception
    errs = [e.value.replace("\\", "") for e in at.error]
    assert len(errs) == 1 and "lon.txt: Lỗi:" in errs[0] and "quá lớn" in errs[0], errs
    assert stored_sources(data_dir) == before
    # a small file still goes in under the same limit
    at.get("file_uploader")[0].set_value(("nho.txt", hoi_phu_report().encode(), "text/plain"))
    at.button(key="up_go").click().run()
    assert any("Đã thêm" in s.value for s in at.success)


@pytest.mark.integration
def test_default_widget_limit_matches_settings(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from baocao.settings import Settings

    monkeypatch.delenv("BAOCAO_MAX_FILE_MB", raising=False)
    at = start(data_dir, monkeypatch, PASSWORD)
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    login(at, PASSWORD)
    default = Settings.model_fields["max_file_mb"].default
    assert at.get("file_uploader")[0].proto.max_upload_size_mb == math.ceil(default)


@pytest.mark.unit
def test_ingest_upload_checks_size_before_parsing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from baocao.settings import load_settings
    from ui import library

    def boom(*a: Any, **k: Any) -> Any:
        raise AssertionError("parsed an oversized file")

    import ingest.pipeline

    monkeypatch.setattr(ingest.pipeline, "parse_file", boom)
    no_assistant: Any = object()  # must not be touched either
    settings = load_settings(max_file_mb=0.001, data_dir=tmp_path)
    res = library.ingest_upload(no_assistant, settings, "../../etc/passwd.txt", b"x" * 5000, None)
    assert not res.ok and "quá lớn" in res.status and res.name == "passwd.txt"


@pytest.mark.unit
def test_upload_name_cannot_escape_the_temp_dir() -> None:
    from ui.library import _safe_name

    for raw, want in [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.ini.txt", "win.ini.txt"),
        ("a\x00b\x1f.txt", "ab.txt"),
        ("", "tep-tai-len.txt"),
        ("/", "tep-tai-len.txt"),
    ]:
        assert _safe_name(raw) == want, raw


# bind address -------------------------------------------------------------------------------------


@pytest.mark.unit
def test_makefile_run_binds_loopback_by_default() -> None:
    mk = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^HOST\s*\?=\s*127\.0\.0\.1\s*$", mk, re.MULTILINE), "HOST default"
    run = re.search(r"^run:.*?\n((?:\t.*\n)+)", mk, re.MULTILINE)
    assert run, "run target"
    recipe = run.group(1)
    assert "streamlit run ui/app.py" in recipe and "--server.address $(HOST)" in recipe
    cfg = REPO / ".streamlit" / "config.toml"
    if cfg.exists():  # a config file must not widen it
        text = cfg.read_text(encoding="utf-8")
        m = re.search(r'^\s*address\s*=\s*"([^"]*)"', text, re.MULTILINE)
        assert m is None or m.group(1) in {"127.0.0.1", "localhost"}, text


@pytest.mark.unit
def test_make_dry_run_shows_loopback() -> None:
    if not shutil.which("make"):
        pytest.skip("make not installed")
    r = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "run"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    line = next((ln for ln in r.stdout.splitlines() if "streamlit run ui/app.py" in ln), "")
    assert "--server.address 127.0.0.1" in line, r.stdout + r.stderr


def _listen_addresses(port: int) -> set[str]:
    """Local addresses LISTENing on ``port`` (from /proc/net/tcp and tcp6)."""
    found: set[str] = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            parts = line.split()
            local, state = parts[1], parts[3]
            addr, p = local.split(":")
            if int(p, 16) != port or state != "0A":
                continue
            if len(addr) == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1]))
            else:
                raw = bytes.fromhex(addr)
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve_and_listen(tmp_path: Path, *flags: str) -> tuple[set[str], str]:
    """Start ``streamlit run ui/app.py FLAGS`` from the repo root; return (listen addresses, log)."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs /proc/net/tcp")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "STREAMLIT_"))}
    env.update(
        {
            "BAOCAO_DATA_DIR": str(tmp_path / "data"),
            "BAOCAO_EMBEDDING_MODEL": "hash:256",
            "BAOCAO_ADMIN_PASSWORD": PASSWORD,
            "HOME": str(tmp_path),
        }
    )  # no ~/.streamlit
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "ui/app.py",
            *flags,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        addrs: set[str] = set()
        while time.monotonic() < deadline and not addrs:
            assert proc.poll() is None, proc.communicate()[0]
            addrs = _listen_addresses(port)
            time.sleep(0.3)
        time.sleep(0.5)  # every socket of the server is open by now
        addrs = _listen_addresses(port)
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
    return addrs, out


@pytest.mark.slow
def test_streamlit_started_like_make_run_listens_on_loopback_only(tmp_path: Path) -> None:
    addrs, out = _serve_and_listen(tmp_path, "--server.address", "127.0.0.1")
    assert addrs == {"127.0.0.1"}, addrs
    assert PASSWORD not in out, "the server log must not show the password"


@pytest.mark.slow
def test_plain_streamlit_run_listens_on_loopback_only(tmp_path: Path) -> None:
    addrs, _ = _serve_and_listen(tmp_path)
    assert addrs and addrs <= {"127.0.0.1", "::1"}, addrs
