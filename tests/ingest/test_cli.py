"""``python -m ingest``: inspect (subprocess), add/list/remove against a fake index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest import cli
from ingest.models import DocumentMeta, ParsedDocument

from .conftest import NGO_QUYEN, REPO, XUONG_GIANG


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.unit
def test_inspect_json_contract() -> None:
    r = _run("inspect", str(NGO_QUYEN), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"metadata", "chunks"}
    meta = data["metadata"]
    assert (
        meta["ward"] == "Ngô Quyền" and meta["doc_number"] == "137/BC-UBND" and meta["date"] == "2023-11-30"
    )
    assert "Ngô Quyền" in r.stdout  # ensure_ascii=False
    for c in data["chunks"]:
        assert set(c) == {"id", "heading_path", "text", "page", "position", "embed_text"}
        assert c["embed_text"].endswith(c["text"])


@pytest.mark.unit
def test_inspect_errors_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "rong.txt"
    p.write_bytes(b"")
    r = _run("inspect", str(p), "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "rỗng" in r.stderr
    q = tmp_path / "khong_ten.txt"
    q.write_text(
        "BÁO CÁO\n\nI. KINH TẾ\n\nThu ngân sách đạt 12 tỷ đồng, tăng 5% so với năm trước.\n", encoding="utf-8"
    )
    r = _run("inspect", str(q))
    assert r.returncode == 2 and "--ward" in r.stderr
    r = _run("inspect", str(q), "--json", "--ward", "xã Đức Giang")
    assert r.returncode == 0 and json.loads(r.stdout)["metadata"]["ward_kind"] == "xã"


@pytest.mark.unit
def test_inspect_human_readable(capsys: pytest.CaptureFixture[str]) -> None:
    from baocao.settings import load_settings

    assert cli.cmd_inspect(XUONG_GIANG, load_settings(), None, as_json=False) == 0
    out = capsys.readouterr().out
    assert out.startswith("phường Xương Giang · Kế hoạch ngày 30/8/2023")


@dataclass
class _Res:
    status: str
    chunks: int
    doc_id: str


class FakeIndex:
    def __init__(self) -> None:
        self.docs: dict[str, DocumentMeta] = {}
        self.closed = 0

    def add_document(self, parsed: ParsedDocument) -> _Res:
        m = parsed.metadata
        status = "unchanged" if m.doc_id in self.docs else "added"
        self.docs[m.doc_id] = m
        return _Res(status, len(parsed.chunks), m.doc_id)

    def list_documents(self) -> list[DocumentMeta]:
        return list(self.docs.values())

    def remove_document(self, key: str) -> DocumentMeta | None:
        for k, m in list(self.docs.items()):
            if key in (k, m.source):
                return self.docs.pop(k)
        return None

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    idx = FakeIndex()
    monkeypatch.setattr(cli, "_open_index", lambda settings: idx)
    return idx


@pytest.mark.unit
def test_add_list_remove(tmp_path: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "baocao"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(NGO_QUYEN.read_bytes())
    (folder / "sub" / "b.txt").write_bytes(XUONG_GIANG.read_bytes())
    (folder / "ghi_chu.xlsx").write_bytes(b"skip me silently")
    (folder / "rong.txt").write_bytes(b"")
    assert cli.main(["add", str(folder)]) == 1  # rong.txt failed, the others went in
    cap = capsys.readouterr()
    out, err = cap.out.splitlines(), cap.err.splitlines()
    assert any(line.startswith("ĐÃ NẠP a.txt:") and "đoạn" in line for line in out)
    assert any(line.startswith("ĐÃ NẠP b.txt:") for line in out)
    assert any(line.startswith("LỖI rong.txt:") and "rỗng" in line for line in err)  # errors on stderr
    assert not any("LỖI" in line for line in out)
    assert not any("xlsx" in line for line in out + err)
    assert len(fake.docs) == 2
    assert cli.main(["add", str(folder / "a.txt")]) == 0
    assert "KHÔNG ĐỔI a.txt" in capsys.readouterr().out
    assert cli.main(["add", str(folder / "ghi_chu.xlsx"), str(folder / "a.txt")]) == 1
    cap2 = capsys.readouterr()
    assert "LỖI ghi_chu.xlsx: Định dạng tệp" in cap2.err and "KHÔNG ĐỔI a.txt" in cap2.out
    assert cli.main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["source"] for d in listed} == {"a.txt", "b.txt"}
    assert cli.main(["list"]) == 0
    assert "phường Ngô Quyền · Báo cáo số 137/BC-UBND" in capsys.readouterr().out
    assert cli.main(["remove", "a.txt"]) == 0
    assert cli.main(["remove", "a.txt"]) == 1
    assert "Không tìm thấy" in capsys.readouterr().err
    assert [d.source for d in fake.docs.values()] == ["b.txt"]
    assert fake.closed >= 5


@pytest.mark.integration
@pytest.mark.slow
def test_add_list_remove_real_index(tmp_path: Path) -> None:
    env = {"BAOCAO_DATA_DIR": str(tmp_path / "data")}
    r = _run("add", str(NGO_QUYEN), env=env)
    assert r.returncode == 0, r.stderr
    assert "ĐÃ NẠP" in r.stdout
    r = _run("add", str(NGO_QUYEN), env=env)
    assert "KHÔNG ĐỔI" in r.stdout
    r = _run("list", "--json", env=env)
    assert [d["ward"] for d in json.loads(r.stdout)] == ["Ngô Quyền"]
    r = _run("remove", NGO_QUYEN.name, env=env)
    assert r.returncode == 0
    r = _run("list", "--json", env=env)
    assert json.loads(r.stdout) == []
