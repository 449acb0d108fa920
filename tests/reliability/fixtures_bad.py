"""Shared helpers for the bad-input / question / injection / access reliability tests.

* makers for hostile or broken input files (PDF, DOCX, text in legacy encodings, …);
* ``run_cli`` / ``list_docs``: the real command line (``python -m ingest``, ``python -m
  assistant``) in a subprocess over a tmp data dir with the ``hash:256`` embedder;
* a tiny OpenAI-compatible HTTP server (``fake_llm``) that answers whatever it is told;
* AppTest helpers (``walk`` / ``texts``) in the style of ``tests/ui``.

Nothing here imports the heavy stack at module import time.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fake_openai import completion, sse_chunk

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "data" / "reports"
XUONG_GIANG = REPORTS / "000_347ec1f2055dce63.txt"
NGO_QUYEN = REPORTS / "003_0cab950f740f85d5.txt"

# A small, valid report for "phường Hội Phú" (well under 10 KB, so it also passes
# BAOCAO_MAX_FILE_MB=0.01).
HOI_PHU_HEADER = "UỶ BAN NHÂN DÂN PHƯỜNG HỘI PHÚ"
REPORT_BODY = """Số: {number}/BC-UBND                Hội Phú, ngày {day} tháng 12 năm 2023

BÁO CÁO
{title}

I. VỀ PHÁT TRIỂN KINH TẾ

1. Công tác Tài chính - Ngân sách

Thu ngân sách phường năm 2023 ước đạt {budget} đồng, đạt 101,5% kế hoạch năm; chi ngân sách bảo đảm đúng, đủ, kịp thời.

2. Công tác văn hóa - xã hội

Tỷ lệ gia đình văn hóa năm 2023 đạt {culture}; tổ chức tốt các hoạt động văn hóa, thể thao chào mừng các ngày lễ lớn.

II. NHIỆM VỤ NĂM 2024

Phấn đấu thu ngân sách năm 2024 tăng 5% so với năm 2023; nâng cao chất lượng phong trào toàn dân đoàn kết xây dựng đời sống văn hóa.

                                        CHỦ TỊCH
                                        Nguyễn Văn An
"""


def hoi_phu_report(
    number: str = "21",
    day: int = 15,
    title: str = "Tình hình thực hiện nhiệm vụ kinh tế - xã hội năm 2023",
    budget: str = "9.876.543.210",
    culture: str = "91,2%",
    with_ward: bool = True,
) -> str:
    """A valid short report; ``with_ward=False`` leaves out every mention of the ward."""
    body = REPORT_BODY.format(number=number, day=day, title=title, budget=budget, culture=culture)
    if with_ward:
        return HOI_PHU_HEADER + "\n\n" + body
    return "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\n" + body.replace("Hội Phú, ngày", "Ngày")


# The same Vietnamese sentence as TCVN3 (ABC) bytes: the classic "Céng hßa x· héi"
# mojibake is exactly what TCVN3 bytes look like when read as Windows-1252.
TCVN3_TEXT = (
    "Uû ban nh©n d©n ph­êng Héi Phó\n\nB¸o c¸o\nT×nh h×nh thùc hiÖn nhiÖm vô kinh tÕ - x· héi n¨m 2023\n\n"
    "Céng hßa x· héi chñ nghÜa ViÖt Nam. Thu ng©n s¸ch ph­êng n¨m 2023 ­íc ®¹t 9.876 triÖu ®ång, "
    "®¹t 101,5% kÕ ho¹ch n¨m; chi ng©n s¸ch b¶o ®¶m ®óng, ®ñ, kÞp thêi.\n"
) * 3


def tcvn3_bytes() -> bytes:
    return TCVN3_TEXT.encode("cp1252")


def invalid_utf8_bytes() -> bytes:
    """Bytes that are not UTF-8 and not any sensible Vietnamese text (lone continuation
    bytes, overlong forms, surrogates, 0xFF) mixed with ASCII."""
    chunk = b"Thu ng\xc3\x28n s\xa0\xa1ch ph\x80\x81\xfe\xff\xed\xa0\x80\xc0\xaf \xf8\x88\x80\x80\x80 "
    return chunk * 200


def garbage_bytes(n: int = 4096, seed: int = 1234) -> bytes:
    return random.Random(seed).randbytes(n)


def fonts() -> tuple[Path, Path]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"


def make_text_pdf(path: Path, text: str) -> Path:
    """A real PDF with a text layer (fpdf2, DejaVu for Vietnamese)."""
    from fpdf import FPDF

    regular, _ = fonts()
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    for line in text.splitlines():
        if line.strip():
            pdf.multi_cell(0, 6, line.strip(), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    pdf.output(str(path))
    return path


def make_truncated_pdf(path: Path, tmp: Path) -> Path:
    full = make_text_pdf(tmp / "_full_for_truncation.pdf", hoi_phu_report())
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 3])  # header present, xref/trailer gone
    return path


def make_not_a_pdf(path: Path) -> Path:
    path.write_bytes(b"<html><body>Day khong phai PDF</body></html>\n" * 20)
    return path


def make_encrypted_pdf(path: Path, tmp: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    src = make_text_pdf(tmp / "_plain_for_encryption.pdf", hoi_phu_report())
    writer = PdfWriter()
    for page in PdfReader(str(src)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="bimat-123", owner_password="chu-456")
    with open(path, "wb") as fh:
        writer.write(fh)
    src.unlink()
    return path


def make_scanned_pdf(path: Path) -> Path:
    """A page with only drawings and an embedded image: no text layer at all."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(200, 200, 200)
    pdf.rect(20, 20, 170, 250, style="F")
    try:  # an image as well, like a real scan (needs Pillow; fpdf2 depends on it)
        from PIL import Image

        img = Image.new("L", (64, 64), color=128)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        pdf.image(buf, x=30, y=30, w=100)
    except ImportError:  # pragma: no cover
        pass
    pdf.output(str(path))
    return path


def make_zip_docx(path: Path) -> Path:
    """A ".docx" that is a valid zip of something else (no word/document.xml)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "không phải docx")
        z.writestr("anh/logo.bin", bytes(range(256)))
    path.write_bytes(buf.getvalue())
    return path


# name -> (maker, a fragment the one-line Vietnamese error must contain)
@dataclass(frozen=True)
class BadCase:
    name: str  # file name (also the parametrize id)
    expect: str  # fragment of the Vietnamese error line
    env: dict[str, str] = field(default_factory=dict)


BAD_CASES: list[BadCase] = [
    BadCase("rong.txt", "rỗng"),  # only whitespace
    BadCase("khong_byte.txt", "rỗng"),  # 0 bytes
    BadCase("rac_nhi_phan.txt", "không phải văn bản"),
    BadCase("bang_tinh.xlsx", "không được hỗ trợ"),
    BadCase("chuong_trinh.exe", "không được hỗ trợ"),
    BadCase("cu.doc", "không được hỗ trợ"),
    BadCase("cut_ngang.pdf", "bị hỏng"),
    BadCase("khong_phai_pdf.pdf", "bị hỏng"),
    BadCase("mat_khau.pdf", "mật khẩu"),
    BadCase("ban_quet.pdf", "bản quét"),
    BadCase("zip_khac.docx", "không phải tệp .docx"),
    BadCase("qua_lon.txt", "quá lớn", {"BAOCAO_MAX_FILE_MB": "0.01"}),
    BadCase("sai_utf8.txt", "bảng mã"),
    BadCase("tcvn3.txt", "TCVN3"),
    BadCase("khong_phuong.txt", "--ward"),
]


def make_bad(case: BadCase, tmp: Path) -> Path:
    """Write the bad file for ``case`` into ``tmp`` and return its path."""
    p = tmp / case.name
    match case.name:
        case "rong.txt":
            p.write_text("   \n\n\t  \n", encoding="utf-8")
        case "khong_byte.txt":
            p.write_bytes(b"")
        case "rac_nhi_phan.txt":
            p.write_bytes(garbage_bytes())
        case "bang_tinh.xlsx":
            p.write_bytes(b"PK\x03\x04" + garbage_bytes(512))
        case "chuong_trinh.exe":
            p.write_bytes(b"MZ\x90\x00" + garbage_bytes(512))
        case "cu.doc":
            p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + garbage_bytes(512))
        case "cut_ngang.pdf":
            make_truncated_pdf(p, tmp)
        case "khong_phai_pdf.pdf":
            make_not_a_pdf(p)
        case "mat_khau.pdf":
            make_encrypted_pdf(p, tmp)
        case "ban_quet.pdf":
            make_scanned_pdf(p)
        case "zip_khac.docx":
            make_zip_docx(p)
        case "qua_lon.txt":
            # a valid report, only too big for the 0.01 MB (10 KB) limit
            p.write_text(XUONG_GIANG.read_text(encoding="utf-8"), encoding="utf-8")
        case "sai_utf8.txt":
            p.write_bytes(invalid_utf8_bytes())
        case "tcvn3.txt":
            p.write_bytes(tcvn3_bytes())
        case "khong_phuong.txt":
            p.write_text(hoi_phu_report(with_ward=False), encoding="utf-8")
        case _:  # pragma: no cover
            raise ValueError(case.name)
    return p


def write_good(tmp: Path, name: str = "hoi_phu_tot.txt", **kw: Any) -> Path:
    p = tmp / name
    p.write_text(hoi_phu_report(**kw), encoding="utf-8")
    return p


# command line ------------------------------------------------------------------------------


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    env.update(
        {
            "BAOCAO_DATA_DIR": str(data_dir),
            "BAOCAO_EMBEDDING_MODEL": "hash:256",
            "BAOCAO_CHROMA_HOST": "",
            "BAOCAO_LLM_BASE_URL": "",
            "BAOCAO_LLM_MODEL": "",
            "ANONYMIZED_TELEMETRY": "False",
            "PYTHONPATH": str(REPO),
            "PYTHONIOENCODING": "utf-8",
        }
    )
    env.update(extra)
    return env


def run_cli(
    module: str, data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m MODULE ARGS`` with the tmp index; cwd is ``data_dir``'s parent (no stray .env)."""
    cwd = data_dir.parent
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(data_dir, **(env or {})),
    )


def list_docs(data_dir: Path) -> list[dict[str, Any]]:
    r = run_cli("ingest", data_dir, "list", "--json")
    assert r.returncode == 0, r.stderr
    docs: list[dict[str, Any]] = json.loads(r.stdout)
    return docs


def doc_keys(docs: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    """What identifies a stored document (ignoring nothing but the dict order)."""
    return {(d["doc_id"], d["source"], d["ingested_at"]) for d in docs}


# fake OpenAI-compatible server ---------------------------------------------------------------


@dataclass
class FakeLLM:
    url: str = ""
    content: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    state: FakeLLM

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "fake", "object": "model"}]})

    def do_POST(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.state.requests.append(body)
            model = body.get("model", "fake")
            if not body.get("stream"):
                self._json(completion(self.state.content, model))
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(sse_chunk({"role": "assistant", "content": ""}, model))
            text = self.state.content
            for i in range(0, len(text), 7):
                self.wfile.write(sse_chunk({"content": text[i : i + 7]}, model))
            self.wfile.write(sse_chunk({}, model, finish="stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    def _json(self, obj: dict[str, Any]) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def fake_llm_server() -> Iterator[FakeLLM]:
    state = FakeLLM()
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


# AppTest helpers (same idea as tests/ui/test_app.py) -----------------------------------------


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from walk(child)


def texts(node: Any) -> list[str]:
    """Every piece of text shown under ``node`` (markdown, captions, alerts, labels)."""
    out = []
    for el in walk(node):
        if getattr(el, "type", "") == "html":
            continue  # the page's own fixed chrome (ui/page.py), checked by html_bodies()
        for attr in ("value", "label", "body"):
            v = getattr(el, attr, None)
            if isinstance(v, str):
                out.append(v)
    return out


def html_bodies(node: Any) -> list[str]:
    """The bodies of the ``st.html`` elements (only fixed page chrome may be there)."""
    return [str(getattr(el, "body", "") or "") for el in walk(node) if getattr(el, "type", "") == "html"]


def build_index(data_dir: Path, files: list[str]) -> Path:
    """A hash-embedder index over ``files`` (``PATH`` or ``PATH::WARD``), built in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ui._build_index", str(data_dir), *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    assert proc.returncode == 0, f"index build failed:\n{proc.stdout}\n{proc.stderr}"
    return data_dir
