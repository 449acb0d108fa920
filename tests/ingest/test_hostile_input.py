"""Issue 17 items 2, 3, 6, 7 at the ingest level (fake index, real files in tmp dirs).

* 2 — symlinks, FIFOs, devices and paths outside the folder are never read, one line each;
* 3 — the area is part of the document id; ``--ward`` on a folder names files that name none,
  a file whose letterhead names another area is reported, not relabelled;
* 6 — names and text from files reach the terminal on one line, control characters escaped;
* 7 — errors on stderr, exit codes as documented in ``ingest.errors`` and the README.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from baocao.safe_text import one_line, strip_controls
from baocao.settings import load_settings
from ingest import cli, errors
from ingest.errors import NotARegularFile, WardConflict
from ingest.files import read_regular_file, walk_folder
from ingest.pipeline import parse_file, parse_text
from tests.ingest.conftest import NGO_QUYEN, REPO
from tests.ingest.test_cli import FakeIndex
from tests.reliability.fixtures_bad import hoi_phu_report

SECRET = "root:x:0:0:BI-MAT-KHONG-DUOC-DOC"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    idx = FakeIndex()
    monkeypatch.setattr(cli, "_open_index", lambda settings: idx)
    return idx


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    p = tmp_path / "ngoai" / "passwd.txt"
    p.parent.mkdir()
    p.write_text(hoi_phu_report() + "\n" + SECRET + "\n", encoding="utf-8")
    return p


# item 2 -------------------------------------------------------------------------------------


def test_symlink_in_folder_is_reported_and_never_read(
    tmp_path: Path,
    secret: Path,
    fake: FakeIndex,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "baocao"
    (folder / "sub").mkdir(parents=True)
    (folder / "report.txt").symlink_to(secret)
    (folder / "thu_muc_lien_ket").symlink_to(secret.parent, target_is_directory=True)
    (folder / "sub" / "tot.txt").write_text(hoi_phu_report(), encoding="utf-8")
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opened.append(str(p)) or real_open(p, *a, **k))

    assert cli.main(["add", str(folder), "--ward", "Hội Phú"]) == errors.EXIT_FAILED
    cap = capsys.readouterr()
    assert [d.source for d in fake.docs.values()] == ["tot.txt"]
    err = cap.err.splitlines()
    assert sum("report.txt" in ln for ln in err) == 1
    assert any(ln.startswith("LỖI report.txt: ") and "symlink" in ln for ln in err)
    assert any("thu_muc_lien_ket" in ln and "symlink" in ln for ln in err)
    assert not any(str(secret) in p or "report.txt" in p for p in opened)
    assert SECRET not in cap.out + cap.err


def test_symlink_named_explicitly_is_refused(
    tmp_path: Path, secret: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "report.txt"
    link.symlink_to(secret)
    assert cli.main(["add", str(link), "--ward", "Hội Phú"]) == errors.EXIT_FAILED
    assert not fake.docs and "symlink" in capsys.readouterr().err
    with pytest.raises(NotARegularFile):  # the reader itself refuses a final symlink (O_NOFOLLOW)
        parse_file(link, load_settings(data_dir=tmp_path / "d"), ward="Hội Phú")


def test_fifo_is_reported_without_blocking(
    tmp_path: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "baocao"
    folder.mkdir()
    os.mkfifo(folder / "ong.txt")
    (folder / "tot.txt").write_text(hoi_phu_report(), encoding="utf-8")
    assert cli.main(["add", str(folder)]) == errors.EXIT_FAILED
    err = capsys.readouterr().err
    assert "LỖI ong.txt: " in err and "FIFO" in err
    assert [d.source for d in fake.docs.values()] == ["tot.txt"]
    # named explicitly: the open does not block (O_NONBLOCK) and the descriptor is checked
    with pytest.raises(NotARegularFile, match="FIFO"):
        read_regular_file(folder / "ong.txt", 1024, 1)


def test_device_file_is_never_read(tmp_path: Path) -> None:
    dev = tmp_path / "zero.txt"
    try:
        os.mknod(dev, 0o600 | 0o020000, os.makedev(1, 5))  # a character device like /dev/zero
    except PermissionError:
        dev = Path("/dev/zero")  # not root: the real device, through the same reader
    with pytest.raises(NotARegularFile, match="thiết bị"):
        read_regular_file(dev, 1024, 1)
    if dev.parent == tmp_path:
        assert [str(e) for _, e in walk_folder(tmp_path, (".txt",))] == [
            "Bỏ qua zero.txt: là tệp thiết bị, không phải tệp thường, không đọc."
        ]


# item 3 -------------------------------------------------------------------------------------


def test_same_text_under_two_wards_is_two_documents() -> None:
    text = hoi_phu_report(with_ward=False)
    a = parse_text(text, "bc.txt", ward="phường Hội Phú")
    b = parse_text(text, "bc.txt", ward="phường Hòa Bình")
    again = parse_text(text, "bc.txt", ward="  Phường   hòa bình ")
    assert a.metadata.doc_id != b.metadata.doc_id
    assert b.metadata.doc_id == again.metadata.doc_id  # re-adding under the same ward: a no-op
    assert {c.id for c in a.chunks}.isdisjoint(c.id for c in b.chunks)


def test_folder_ward_names_only_files_that_name_none(
    tmp_path: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "baocao"
    folder.mkdir()
    (folder / "khong_ten.txt").write_text(hoi_phu_report(with_ward=False), encoding="utf-8")
    (folder / "ngo_quyen.txt").write_bytes(NGO_QUYEN.read_bytes())  # letterhead: phường Ngô Quyền
    (folder / "hoi_phu.txt").write_text(hoi_phu_report(), encoding="utf-8")  # letterhead: Hội Phú
    assert cli.main(["add", str(folder), "--ward", "phường Hội Phú"]) == errors.EXIT_FAILED
    cap = capsys.readouterr()
    by_source = {d.source: d.ward for d in fake.docs.values()}
    assert by_source == {"khong_ten.txt": "Hội Phú", "hoi_phu.txt": "Hội Phú"}, "Ngô Quyền relabelled"
    line = [ln for ln in cap.err.splitlines() if "ngo_quyen.txt" in ln]
    assert len(line) == 1 and line[0].startswith("LỖI ngo_quyen.txt: ") and "Ngô Quyền" in line[0]


def test_ward_conflict_only_for_folder_files() -> None:
    text = NGO_QUYEN.read_text(encoding="utf-8")
    from ingest.loaders import load_text
    from ingest.pipeline import parse_raw

    with pytest.raises(WardConflict):
        parse_raw(load_text(text, "nq.txt"), ward="Hội Phú", ward_policy="default")
    same = parse_raw(load_text(text, "nq.txt"), ward="ngo quyen", ward_policy="default")
    assert same.metadata.ward == "Ngô Quyền"
    named = parse_raw(load_text(text, "nq.txt"), ward="Hội Phú")  # one file named by the user
    assert named.metadata.ward == "Hội Phú"


# item 6 -------------------------------------------------------------------------------------

FORGED = "bad\nĐÃ NẠP gia_mao.txt: 99 đoạn\x1b[31m\u202e.txt"


def test_file_names_cannot_forge_or_colour_output(
    tmp_path: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "baocao"
    folder.mkdir()
    (folder / FORGED).write_bytes(b"")
    ansi = "\x1b[32mxanh\x1b[0m.txt"
    (folder / ansi).write_text(hoi_phu_report(), encoding="utf-8")
    assert cli.main(["add", str(folder)]) == errors.EXIT_FAILED
    cap = capsys.readouterr()
    out = cap.out + cap.err
    assert "\x1b" not in out and "\u202e" not in out
    assert not any(ln.startswith("ĐÃ NẠP gia_mao") for ln in out.splitlines())
    assert sum("gia_mao" in ln for ln in out.splitlines()) == 1
    assert any(ln.startswith("LỖI bad\\nĐÃ NẠP gia_mao.txt") for ln in cap.err.splitlines())
    assert any(ln.startswith("ĐÃ NẠP \\x1b[32mxanh") for ln in cap.out.splitlines())
    stored = [d.source for d in fake.docs.values()]
    assert stored == ["\\x1b[32mxanh\\x1b[0m.txt"]  # the name kept in the index is safe too


def test_report_text_loses_control_characters() -> None:
    text = hoi_phu_report().replace("Thu ngân sách", "Thu \x1b[2J\x1b[31mngân\x07 sách\u202e")
    doc = parse_text(text, "bc.txt")
    joined = doc.text + "".join(c.text + c.embed_text for c in doc.chunks)
    assert not re.search(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u202e]", joined)
    assert "ngân sách" in doc.text


def test_safe_text_helpers() -> None:
    assert one_line("a\nb\r\x1b[0m\x00\u2066") == "a\\nb\\r\\x1b[0m\\x00\\u2066"
    assert one_line("Hội Phú · 12,5%") == "Hội Phú · 12,5%"
    assert strip_controls("dòng 1\n\tdòng 2\x1b\x7f") == "dòng 1\n\tdòng 2"


# item 7 -------------------------------------------------------------------------------------


def test_exit_codes_documented_in_errors_and_readme() -> None:
    assert (errors.EXIT_OK, errors.EXIT_FAILED, errors.EXIT_INPUT) == (0, 1, 2)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for code in ("`0`", "`1`", "`2`"):
        assert code in readme.split("## Dòng lệnh", 1)[1].split("\n## ", 1)[0]
    assert "stderr" in errors.__doc__ and "EXIT_FAILED" in errors.__doc__


def test_add_errors_on_stderr_summary_and_exit_codes(
    tmp_path: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "tot.txt"
    good.write_text(hoi_phu_report(), encoding="utf-8")
    empty = tmp_path / "rong.txt"
    empty.write_bytes(b"")
    assert cli.main(["add", str(good), str(empty), str(tmp_path / "khong_co.txt")]) == errors.EXIT_FAILED
    cap = capsys.readouterr()
    assert "LỖI" not in cap.out and cap.err.count("LỖI ") == 2
    summary = [ln for ln in cap.err.splitlines() if ln.startswith("Tổng kết:")]
    assert summary == [
        "Tổng kết: 1 tệp đã nạp, 0 tệp đã thay, 0 tệp không đổi, 0 tệp nhận dạng chữ (OCR), "
        "2 tệp bị từ chối (rỗng: 1, lỗi khác: 1)."
    ]
    assert cli.main(["add", str(good)]) == errors.EXIT_OK
    assert "1 tệp không đổi" in capsys.readouterr().err
    assert cli.main(["add", str(tmp_path / "trong")]) == errors.EXIT_FAILED
    (tmp_path / "trong").mkdir()
    assert cli.main(["add", str(tmp_path / "trong")]) == errors.EXIT_INPUT  # nothing to add


def test_inspect_refuses_links_and_fifos_with_exit_2(
    tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "lien_ket.txt"
    link.symlink_to(secret)
    fifo = tmp_path / "ong.txt"
    os.mkfifo(fifo)
    for path, why in ((link, "symlink"), (fifo, "FIFO")):
        assert cli.main(["inspect", str(path), "--json"]) == errors.EXIT_INPUT
        cap = capsys.readouterr()
        assert cap.out == "" and why in cap.err and SECRET not in cap.err


def test_add_summary_counts_ocr_and_refusal_reasons(
    tmp_path: Path, fake: FakeIndex, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 item 7: per file a line (with "· OCR" when pages were recognised), then one
    summary line: added, unchanged, OCR'd, refused by reason."""
    import ingest.pipeline as pipeline

    real_parse = pipeline.parse_file

    def parse(path: Path, settings: object, **kw: object) -> object:
        doc = real_parse(path, settings, **kw)  # type: ignore[arg-type]
        if path.name.startswith("quet"):
            doc.metadata.ocr_pages = 2
        return doc

    monkeypatch.setattr(pipeline, "parse_file", parse)
    folder = tmp_path / "baocao"
    folder.mkdir()
    (folder / "quet.txt").write_text(hoi_phu_report(number="41"), encoding="utf-8")
    (folder / "tot.txt").write_text(hoi_phu_report(number="42"), encoding="utf-8")
    (folder / "rong.txt").write_bytes(b"")
    (folder / "lien_ket.txt").symlink_to(folder / "tot.txt")
    assert cli.main(["add", str(folder)]) == errors.EXIT_FAILED
    cap = capsys.readouterr()
    assert any(ln.startswith("ĐÃ NẠP quet.txt:") and ln.endswith("· OCR") for ln in cap.out.splitlines())
    assert cap.err.splitlines()[-1] == (
        "Tổng kết: 2 tệp đã nạp, 0 tệp đã thay, 0 tệp không đổi, 1 tệp nhận dạng chữ (OCR), "
        "2 tệp bị từ chối (liên kết hoặc tệp đặc biệt: 1, rỗng: 1)."
    )
