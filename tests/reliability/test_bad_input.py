"""Bad-input battery: broken, hostile or ambiguous files through the REAL ingest paths.

* the command line — ``python -m ingest add BAD GOOD`` in a subprocess over a tmp index
  (``BAOCAO_DATA_DIR``, ``BAOCAO_EMBEDDING_MODEL=hash:256``): exactly one clear line naming
  the bad file, non-zero exit, the good file of the same command still ingested, and the
  index unchanged for the bad file (``python -m ingest list --json`` before/after);
* ``python -m ingest inspect BAD --json``: exit 2, one line on stderr, nothing on stdout;
* the Streamlit upload (AppTest, admin password set): a Vietnamese error, the document list
  unchanged.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.fixtures_bad import (
    BAD_CASES,
    NGO_QUYEN,
    XUONG_GIANG,
    BadCase,
    build_index,
    doc_keys,
    hoi_phu_report,
    list_docs,
    make_bad,
    run_cli,
    write_good,
)

pytestmark = pytest.mark.slow

GOOD = "hoi_phu_tot.txt"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index holding one report (Ngô Quyền), built through the real CLI."""
    data = tmp_path_factory.mktemp("bad-input-base") / "data"
    r = run_cli("ingest", data, "add", str(NGO_QUYEN))
    assert r.returncode == 0, r.stdout + r.stderr
    return data


@pytest.fixture
def index_copy(baseline: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "idx" / "data"
    shutil.copytree(baseline, dst, ignore=shutil.ignore_patterns("write.lock"))
    return dst


def _lines_naming(out: str, name: str) -> list[str]:
    # tqdm draws its bar with "\r"; splitlines() splits on it as well
    return [ln.strip() for ln in out.splitlines() if name in ln]


def _new_docs(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    old = doc_keys(before)
    return [d for d in after if (d["doc_id"], d["source"], d["ingested_at"]) not in old]


# command line: one bad file + one good file per command ----------------------------------------


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda c: c.name)
def test_cli_bad_file_refused_rest_of_batch_ingested(case: BadCase, index_copy: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    bad = make_bad(case, src)
    good = write_good(src, GOOD)
    before = list_docs(index_copy)

    r = run_cli("ingest", index_copy, "add", str(bad), str(good), env=case.env)
    out = r.stdout + "\n" + r.stderr

    assert r.returncode == 1, out
    assert "Traceback" not in out, out
    lines = _lines_naming(out, case.name)
    assert len(lines) == 1, f"expected exactly one line naming {case.name}: {lines}"
    assert lines[0].startswith(f"LỖI {case.name}: "), lines[0]
    assert case.expect in lines[0], lines[0]
    assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", lines[0]), "Vietnamese"
    assert f"ĐÃ NẠP {GOOD}" in r.stdout, out

    after = list_docs(index_copy)
    assert doc_keys(before) <= doc_keys(after), "an existing document changed or vanished"
    new = _new_docs(before, after)
    assert [d["source"] for d in new] == [GOOD], new
    assert new[0]["ward"] == "Hội Phú"
    assert all(d["source"] != case.name for d in after), "the bad file reached the index"


def test_cli_whole_battery_in_one_command(index_copy: Path, tmp_path: Path) -> None:
    """Every bad file (but the size case, which needs its own limit) and two good files in
    one ``add``: one error line per bad file, both good files in, nothing else."""
    src = tmp_path / "in"
    src.mkdir()
    cases = [c for c in BAD_CASES if not c.env]
    bad = [make_bad(c, src) for c in cases]
    good1 = write_good(src, "tot_1.txt")
    good2 = write_good(src, "tot_2.txt", number="22", budget="1.234.567.890", culture="92,5%")
    before = list_docs(index_copy)

    paths = [str(good1), *map(str, bad[: len(bad) // 2]), str(good2), *map(str, bad[len(bad) // 2 :])]
    r = run_cli("ingest", index_copy, "add", *paths)
    out = r.stdout + "\n" + r.stderr
    assert r.returncode == 1, out
    assert "Traceback" not in out, out
    for c in cases:
        lines = _lines_naming(out, c.name)
        assert len(lines) == 1 and lines[0].startswith(f"LỖI {c.name}: ") and c.expect in lines[0], lines
    assert r.stderr.count("LỖI ") == len(cases) and "LỖI" not in r.stdout  # errors on stderr
    assert "ĐÃ NẠP tot_1.txt" in r.stdout and "ĐÃ NẠP tot_2.txt" in r.stdout

    after = list_docs(index_copy)
    assert doc_keys(before) <= doc_keys(after)
    assert sorted(d["source"] for d in _new_docs(before, after)) == ["tot_1.txt", "tot_2.txt"]


def test_cli_only_bad_files_leave_index_identical(index_copy: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    bad = [make_bad(c, src) for c in BAD_CASES if not c.env]
    before = list_docs(index_copy)
    r = run_cli("ingest", index_copy, "add", *map(str, bad))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert list_docs(index_copy) == before


@pytest.mark.parametrize("case", BAD_CASES, ids=lambda c: c.name)
def test_cli_inspect_bad_file_exit_2(case: BadCase, tmp_path: Path) -> None:
    bad = make_bad(case, tmp_path)
    r = run_cli("ingest", tmp_path / "data", "inspect", str(bad), "--json", env=case.env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and case.name in lines[0] and case.expect in lines[0], lines
    assert not (tmp_path / "data").exists(), "inspect must not create an index"


def test_cli_size_limit_message_is_consistent(tmp_path: Path) -> None:
    bad = make_bad(next(c for c in BAD_CASES if c.name == "qua_lon.txt"), tmp_path)
    r = run_cli("ingest", tmp_path / "data", "inspect", str(bad), env={"BAOCAO_MAX_FILE_MB": "0.01"})
    shown = re.search(r"quá lớn \(([\d.,]+) MB\), giới hạn là ([\d.,]+) MB", r.stderr)
    assert shown, r.stderr
    size, limit = (float(g.replace(",", ".")) for g in shown.groups())
    assert size > limit, r.stderr


# command line: ambiguous but valid input ----------------------------------------------------------


def test_cli_no_ward_refused_then_accepted_with_ward(index_copy: Path, tmp_path: Path) -> None:
    p = tmp_path / "khong_phuong.txt"
    p.write_text(hoi_phu_report(with_ward=False), encoding="utf-8")
    before = list_docs(index_copy)

    r = run_cli("ingest", index_copy, "add", str(p))
    assert r.returncode == 1 and "--ward" in r.stderr and "Traceback" not in r.stderr
    assert list_docs(index_copy) == before

    r = run_cli("ingest", index_copy, "add", str(p), "--ward", "Hội Phú")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ĐÃ NẠP khong_phuong.txt" in r.stdout
    new = _new_docs(before, list_docs(index_copy))
    assert len(new) == 1 and new[0]["ward"] == "Hội Phú" and new[0]["ward_kind"] == "phường", new


def test_cli_same_report_twice_is_unchanged(index_copy: Path) -> None:
    r = run_cli("ingest", index_copy, "add", str(XUONG_GIANG))
    assert r.returncode == 0 and "ĐÃ NẠP" in r.stdout, r.stdout + r.stderr
    first = list_docs(index_copy)
    r = run_cli("ingest", index_copy, "add", str(XUONG_GIANG))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"KHÔNG ĐỔI {XUONG_GIANG.name}" in r.stdout
    assert list_docs(index_copy) == first  # same doc, same ingested_at: not rewritten


def test_cli_two_reports_same_ward_and_year_both_kept(index_copy: Path, tmp_path: Path) -> None:
    a = write_good(
        tmp_path,
        "hoi_phu_6_thang.txt",
        number="11",
        day=20,
        title="Tình hình kinh tế - xã hội 6 tháng đầu năm 2023",
        budget="4.100.000.000",
    )
    b = write_good(tmp_path, "hoi_phu_ca_nam.txt", number="21", day=15)
    before = list_docs(index_copy)
    r = run_cli("ingest", index_copy, "add", str(a), str(b))
    assert r.returncode == 0, r.stdout + r.stderr
    new = _new_docs(before, list_docs(index_copy))
    assert sorted(d["source"] for d in new) == ["hoi_phu_6_thang.txt", "hoi_phu_ca_nam.txt"]
    assert {d["ward"] for d in new} == {"Hội Phú"} and all(2023 in d["years"] for d in new)
    assert len({d["doc_id"] for d in new}) == 2
    r = run_cli("ingest", index_copy, "list")
    assert r.returncode == 0
    assert "hoi_phu_6_thang.txt" in r.stdout and "hoi_phu_ca_nam.txt" in r.stdout


def test_cli_same_file_name_different_wards_both_kept(tmp_path: Path) -> None:
    data = tmp_path / "idx" / "data"
    (tmp_path / "hoi_phu").mkdir()
    (tmp_path / "xuong_giang").mkdir()
    a = tmp_path / "hoi_phu" / "bao_cao.txt"
    a.write_text(hoi_phu_report(), encoding="utf-8")
    b = tmp_path / "xuong_giang" / "bao_cao.txt"
    b.write_text(XUONG_GIANG.read_text(encoding="utf-8"), encoding="utf-8")
    r = run_cli("ingest", data, "add", str(tmp_path / "hoi_phu"), str(tmp_path / "xuong_giang"))
    assert r.returncode == 0, r.stdout + r.stderr
    wards = sorted(d["ward"] for d in list_docs(data))
    assert wards == ["Hội Phú", "Xương Giang"], r.stdout


# the Streamlit upload path ---------------------------------------------------------------------

UI_CASES = [
    c
    for c in BAD_CASES
    if c.name.endswith((".txt", ".md", ".pdf", ".docx")) and not c.env and c.expect != "--ward"
]
VIEW_LIBRARY = "Thư viện báo cáo"
ADMIN_PW = "mật-khẩu-độ-tin-cậy-7c1e"


@pytest.fixture(scope="module")
def ui_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("bad-input-ui") / "data", [str(NGO_QUYEN)])


@pytest.fixture
def admin_app(ui_baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """AppTest on a private copy of the baseline index, logged in as admin, library view."""
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP, app_environment

    data = tmp_path / "data"
    shutil.copytree(ui_baseline, data, ignore=shutil.ignore_patterns("write.lock"))
    for k, v in app_environment(data, ADMIN_PW).items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.radio(key="view").set_value(VIEW_LIBRARY).run()
    next(t for t in at.sidebar.text_input if t.key == "admin_pw").input(ADMIN_PW).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("file_uploader"), "uploader missing for the admin"
    yield at


def _upload(at: Any, name: str, data: bytes, ward: str = "") -> Any:
    if ward:
        at.text_input(key="up_ward").input(ward)
    at.get("file_uploader")[0].set_value((name, data, "application/octet-stream"))
    at.button(key="up_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _docs_shown(at: Any) -> list[str]:
    """The reports the app's store holds (the library page shows cards, not a table)."""
    from baocao.settings import load_settings  # the app's BAOCAO_DATA_DIR, set by the fixture
    from vectorstore.index import Index

    return sorted(d.source for d in Index(load_settings()).list_documents())


def _plain(md: str) -> str:
    return md.replace("\\", "")


@pytest.mark.integration
@pytest.mark.parametrize("case", UI_CASES, ids=lambda c: c.name)
def test_ui_upload_bad_file_shows_vietnamese_error(case: BadCase, admin_app: Any, tmp_path: Path) -> None:
    at = admin_app  # (the size limit has its own test: test_access.py)
    before = _docs_shown(at)
    bad = make_bad(case, tmp_path)
    _upload(at, case.name, bad.read_bytes())
    errors = [_plain(e.value) for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{case.name}: Lỗi: ") and case.expect in errors[0], errors
    assert not at.main.success, [s.value for s in at.main.success]
    assert _docs_shown(at) == before


@pytest.mark.integration
def test_ui_wrong_extension_cannot_be_uploaded(admin_app: Any) -> None:
    """.xlsx/.exe never reach the ingest code: the uploader only accepts the four types
    (the browser refuses others; a forged upload is rejected by Streamlit itself), and the
    library function behind the button refuses them with the Vietnamese message."""
    at = admin_app
    before = _docs_shown(at)
    assert sorted(at.get("file_uploader")[0].allowed_type) == [".docx", ".md", ".pdf", ".txt"]

    from baocao.settings import load_settings
    from ui.library import ingest_upload

    class _NoIndex:  # the index must not even be touched
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"index.{name} used for a refused file")

    class _A:
        index = _NoIndex()

    for name in ("bang_tinh.xlsx", "chuong_trinh.exe", "cu.doc"):
        res = ingest_upload(_A(), load_settings(), name, b"MZ\x90\x00 not a report", None)  # type: ignore[arg-type]
        assert not res.ok and res.status.startswith("Lỗi: ") and "không được hỗ trợ" in res.status, res
    # a forged .xlsx upload: Streamlit refuses it; the library is unchanged on a fresh page
    at.get("file_uploader")[0].set_value(("bang_tinh.xlsx", b"PK\x03\x04xx", "application/octet-stream"))
    at.button(key="up_go").click().run()
    assert not at.main.success, [s.value for s in at.main.success]
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import APP

    fresh = AppTest.from_file(str(APP), default_timeout=60)
    fresh.run()
    fresh.radio(key="view").set_value(VIEW_LIBRARY).run()
    assert _docs_shown(fresh) == before


@pytest.mark.integration
def test_ui_no_ward_then_with_ward(admin_app: Any) -> None:
    at = admin_app
    before = _docs_shown(at)
    data = hoi_phu_report(with_ward=False).encode("utf-8")
    _upload(at, "khong_phuong.txt", data)
    assert at.error and "phường/xã" in _plain(at.error[0].value)
    assert _docs_shown(at) == before
    _upload(at, "khong_phuong.txt", data, ward="Hội Phú")
    assert any("Đã thêm" in s.value for s in at.success), [s.value for s in at.success]
    assert sorted(_docs_shown(at)) == sorted([*before, "khong_phuong.txt"])


@pytest.mark.integration
def test_ui_no_ward_error_points_to_the_ward_field(admin_app: Any) -> None:
    at = admin_app
    _upload(at, "khong_phuong.txt", hoi_phu_report(with_ward=False).encode("utf-8"))
    msg = _plain(at.error[0].value)
    assert "--ward" not in msg and "Tên phường/xã" in msg, msg


@pytest.mark.integration
def test_ui_same_upload_twice_is_unchanged(admin_app: Any) -> None:
    at = admin_app
    data = hoi_phu_report().encode("utf-8")
    _upload(at, "hoi_phu.txt", data)
    assert any("Đã thêm" in s.value for s in at.success)
    shown = _docs_shown(at)
    _upload(at, "hoi_phu.txt", data)
    assert any("Không đổi" in s.value for s in at.success), [s.value for s in at.success]
    assert _docs_shown(at) == shown
