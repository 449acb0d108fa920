"""Issue 17 through the real command line and the real index (subprocesses, hash embedder).

* a DOCX bomb is refused with one line naming the limit; the index is unchanged (item 1);
* the UI upload reads through the same limits (item 1);
* a symlink to a secret in a folder given with ``--ward`` is reported and never indexed (item 2);
* the same text under two wards is two documents, re-adding is a no-op (item 3);
* names with newlines/ANSI codes cannot forge or colour output lines (item 6);
* errors on stderr with the documented exit codes (item 7).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ingest.hostile_makers import docx_bomb
from tests.reliability.fixtures_bad import hoi_phu_report, list_docs, run_cli

pytestmark = pytest.mark.slow

SECRET = "root:x:0:0:BI-MAT-KHONG-DUOC-LO"


def test_docx_bomb_refused_with_one_line_naming_the_limit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bomb = docx_bomb(tmp_path / "bom.docx", 50, tmp_path)  # ~250 KB holding 50 MB of XML
    good = tmp_path / "tot.txt"
    good.write_text(hoi_phu_report(), encoding="utf-8")
    r = run_cli("ingest", data, "add", str(bomb), str(good))
    assert r.returncode == 1, r.stdout + r.stderr
    lines = [ln for ln in (r.stdout + r.stderr).splitlines() if "bom.docx" in ln]
    assert len(lines) == 1 and lines[0].startswith("LỖI bom.docx: ") and "BAOCAO_MAX_XML_MB" in lines[0]
    assert lines[0] in r.stderr and "ĐÃ NẠP tot.txt" in r.stdout
    assert [d["source"] for d in list_docs(data)] == ["tot.txt"]


def test_ui_upload_reads_through_the_same_limits(tmp_path: Path) -> None:
    from baocao.settings import load_settings
    from ui.library import ingest_upload

    bomb = docx_bomb(tmp_path / "bom.docx", 30, tmp_path)

    writes: list[Any] = []

    class FakeIndex:
        def __init__(self) -> None:
            self.hooks: list[Any] = []

        def add_document(self, parsed: Any) -> Any:
            writes.append(parsed)
            raise AssertionError("a refused upload must not reach the index")

    class FakeAssistant:
        index = FakeIndex()

    settings = load_settings(data_dir=tmp_path / "d")
    res = ingest_upload(FakeAssistant(), settings, "bom.docx", bomb.read_bytes(), None)  # type: ignore[arg-type]
    assert writes == []
    text = " ".join(str(v) for v in vars(res).values())
    assert "BAOCAO_MAX_XML_MB" in text and "Lỗi" in text


def test_symlink_to_a_secret_is_never_indexed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secret = tmp_path / "ngoai" / ".env"
    secret.parent.mkdir()
    secret.write_text(hoi_phu_report() + "\n" + SECRET + "\n", encoding="utf-8")
    folder = tmp_path / "baocao"
    folder.mkdir()
    (folder / "report.txt").symlink_to(secret)
    (folder / "tot.txt").write_text(hoi_phu_report(number="31"), encoding="utf-8")
    r = run_cli("ingest", data, "add", str(folder), "--ward", "Hội Phú")
    assert r.returncode == 1
    assert "LỖI report.txt: " in r.stderr and "symlink" in r.stderr
    docs = list_docs(data)
    assert [d["source"] for d in docs] == ["tot.txt"]
    ask = run_cli("assistant", data, "ask", "BI-MAT-KHONG-DUOC-LO root x", "--json")
    assert SECRET not in ask.stdout


def test_same_text_under_two_wards_is_indexed_twice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    f = tmp_path / "bao_cao.txt"
    f.write_text(hoi_phu_report(with_ward=False), encoding="utf-8")
    r1 = run_cli("ingest", data, "add", str(f), "--ward", "phường Hội Phú")
    r2 = run_cli("ingest", data, "add", str(f), "--ward", "phường Hòa Bình")
    assert r1.returncode == r2.returncode == 0, r1.stderr + r2.stderr
    assert "ĐÃ NẠP bao_cao.txt" in r1.stdout and "ĐÃ NẠP bao_cao.txt" in r2.stdout
    r3 = run_cli("ingest", data, "add", str(f), "--ward", "Hòa Bình")
    assert r3.returncode == 0 and "KHÔNG ĐỔI bao_cao.txt" in r3.stdout
    docs = list_docs(data)
    assert sorted(d["ward"] for d in docs) == ["Hòa Bình", "Hội Phú"]
    assert len({d["doc_id"] for d in docs}) == 2


def test_forged_names_through_the_real_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "baocao"
    folder.mkdir()
    (folder / "x\nĐÃ NẠP gia_mao.txt: 9 đoạn.txt").write_bytes(b"")
    (folder / "\x1b[31mdo\x1b[0m.txt").write_text(hoi_phu_report(), encoding="utf-8")
    r = run_cli("ingest", data, "add", str(folder))
    assert r.returncode == 1
    out = r.stdout + r.stderr
    assert "\x1b" not in out
    assert not any(ln.startswith("ĐÃ NẠP gia_mao") for ln in out.splitlines())
    assert [ln for ln in r.stderr.splitlines() if ln.startswith("LỖI ")] == [
        ln for ln in r.stderr.splitlines() if "gia_mao" in ln
    ]
    listed = run_cli("ingest", data, "list")
    assert "\x1b" not in listed.stdout and "\\x1b[31mdo" in listed.stdout
