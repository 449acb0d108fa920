"""Shared helpers for vector-store tests: hand-made documents, index fixtures and a
real Chroma server fixture (also imported by ``tests/reliability/conftest.py``)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from baocao.settings import Settings, load_settings
from ingest.models import Chunk, DocumentMeta, ParsedDocument, chunk_id, content_hash
from vectorstore.embeddings import HashEmbedder
from vectorstore.index import Index

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMA_BIN = VENV_BIN / "chroma"


def make_doc(
    ward: str,
    source: str,
    paragraphs: Sequence[str],
    years: Sequence[int] = (2023,),
    *,
    doc_type: str = "Báo cáo",
    ward_kind: str = "phường",
    doc_number: str = "",
    date: str = "2023-11-30",
    title: str = "",
    section: str = "I. KẾT QUẢ THỰC HIỆN",
) -> ParsedDocument:
    """A ``ParsedDocument`` with one chunk per paragraph (no parser involved)."""
    title = title or f"{doc_type} tình hình kinh tế - xã hội {ward_kind} {ward}"
    header = f"{doc_type} {ward_kind} {ward}"
    text = "\n\n".join([title, *paragraphs])
    doc_id = content_hash(f"{header}\n{text}")
    heading = [section]
    chunks = [
        Chunk(
            id=chunk_id(doc_id, heading, p, i),
            doc_id=doc_id,
            text=p,
            embed_text=f"{ward_kind} {ward} | {section}\n{p}",
            heading_path=heading,
            page=None,
            position=i,
        )
        for i, p in enumerate(paragraphs)
    ]
    meta = DocumentMeta(
        doc_id=doc_id,
        ward=ward,
        ward_kind=ward_kind,
        doc_type=doc_type,
        doc_number=doc_number,
        date=date,
        title=title,
        years=list(years),
        source=source,
    )
    return ParsedDocument(metadata=meta, chunks=chunks, text=text)


NGO_QUYEN_PARAS = [
    "Tổng thu ngân sách phường ước đạt 17.384.571.763 đồng, đạt 104,4% so với kế hoạch năm.",
    "Tổng chi ngân sách ước thực hiện 11.000.000.000 đồng, đạt 94,3% so với kế hoạch năm.",
    "Công tác giải phóng mặt bằng dự án đường vành đai được tập trung chỉ đạo quyết liệt.",
    "Tỷ lệ hộ nghèo giảm còn 0,5%; đã trao 1352 suất quà cho đối tượng chính sách.",
    "Trường Mầm non Ngô Quyền đạt chuẩn quốc gia mức độ 1.",
]
XUONG_GIANG_PARAS = [
    "Thu ngân sách nhà nước trên địa bàn phường đạt 25.120.000.000 đồng, bằng 110% dự toán.",
    "Chi ngân sách đảm bảo chặt chẽ, tiết kiệm, chi thường xuyên đạt 9.870.000.000 đồng.",
    "Diện tích gieo trồng 35ha; công tác thú y được thực hiện tốt, không để dịch bệnh lây lan.",
    "Tỷ lệ hộ nghèo còn 0,3%, hộ cận nghèo còn 1,1%.",
    "Thương mại dịch vụ tăng trưởng bình quân 23,5%, chiếm tỷ trọng 47%.",
]


def ngo_quyen_doc(**kw: object) -> ParsedDocument:
    kw.setdefault("doc_number", "137/BC-UBND")
    return make_doc("Ngô Quyền", "ngo_quyen_2023.txt", NGO_QUYEN_PARAS, (2023, 2024), **kw)  # type: ignore[arg-type]


def xuong_giang_doc(**kw: object) -> ParsedDocument:
    kw.setdefault("doc_type", "Kế hoạch")
    kw.setdefault("date", "2023-08-30")
    return make_doc("Xương Giang", "xuong_giang_2024.txt", XUONG_GIANG_PARAS, (2024,), **kw)  # type: ignore[arg-type]


def numbered_doc(i: int, n_paras: int = 12, ward: str = "Thọ Xương") -> ParsedDocument:
    """Distinct small documents for bulk/crash/concurrency tests."""
    paras = [
        f"Báo cáo số {i}: nội dung {j} về chỉ tiêu kinh tế xã hội, giá trị {i * 1000 + j}.{j:03d} đồng, "
        f"đạt {90 + (i + j) % 20},{j}% kế hoạch; mã tài liệu tl{i}x{j}."
        for j in range(n_paras)
    ]
    return make_doc(ward, f"doc_{i:02d}.txt", paras, (2023,), doc_number=f"{i}/BC-UBND")


def hash_settings(data_dir: Path, dim: int = 256, **kw: object) -> Settings:
    return load_settings(data_dir=data_dir, embedding_model=f"hash:{dim}", **kw)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return hash_settings(tmp_path / "data")


@pytest.fixture
def index(settings: Settings) -> Iterator[Index]:
    idx = Index(settings, HashEmbedder(256, name="hash:256"))
    yield idx
    idx.close()


@pytest.fixture
def two_ward_index(index: Index) -> Index:
    index.add_document(ngo_quyen_doc())
    index.add_document(xuong_giang_doc())
    return index


# --- consistency checks shared with the reliability tests --------------------------------


def chunk_ids_of(idx: Index, doc_id: str) -> set[str]:
    """Stored chunk ids of a document, committed or not (public reads only)."""
    return {c.chunk_id for c in idx.iter_chunks([doc_id])}


def assert_consistent(idx: Index) -> dict[str, int]:
    """Committed docs have exactly chunk_count chunks (and their units), no orphans, and the
    lexical side answers for committed chunks only."""
    docs = idx.documents(fresh=True)
    census = idx.census()
    assert set(census) == set(docs), f"{len(set(census) - set(docs))} documents stored but not committed"
    counts: dict[str, int] = {}
    for doc_id in docs:
        ids = chunk_ids_of(idx, doc_id)
        want = idx.chunk_count(doc_id)
        assert len(ids) == want == census[doc_id][0], (
            f"doc {doc_id}: {len(ids)} chunks stored, record says {want}"
        )
        assert census[doc_id][1] >= want, f"doc {doc_id}: sentence units missing"
        counts[doc_id] = want
    stats = idx.term_stats()
    if docs:
        assert stats.df("~") == 0 and stats.idf("~") > 0
    return counts


# --- a real Chroma server ----------------------------------------------------------------


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ChromaServer:
    host: str
    port: int
    path: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def settings(self, data_dir: Path, collection: str = "baocao", dim: int = 256) -> Settings:
        return hash_settings(
            data_dir, dim, chroma_host=self.host, chroma_port=self.port, collection=collection
        )


def start_chroma_server(path: Path, timeout_s: float = 60.0) -> ChromaServer:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if not CHROMA_BIN.exists():
        pytest.skip(f"chroma CLI not found at {CHROMA_BIN}")
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    log = path.parent / f"chroma-{port}.log"
    fh = open(log, "wb")  # noqa: SIM115 - kept open for the server's lifetime
    proc = subprocess.Popen(
        [str(CHROMA_BIN), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=fh,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    fh.close()
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"chroma server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            client = chromadb.HttpClient(
                host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
            )
            client.heartbeat()
            return ChromaServer("127.0.0.1", port, path, proc, log)
        except Exception as exc:
            last = exc
            time.sleep(0.3)
    stop_chroma_server(proc)
    raise RuntimeError(f"chroma server did not answer its heartbeat within {timeout_s}s: {last}")


def stop_chroma_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = start_chroma_server(tmp_path_factory.mktemp("chroma-server") / "db")
    try:
        yield server
    finally:
        stop_chroma_server(server.proc)
