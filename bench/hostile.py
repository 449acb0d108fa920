"""Hostile files through ``python -m ingest add``: how fast each is refused, and the peak
memory of the ingest process and of its reader child (issue 17).

    python -m bench.hostile [--out bench/results/hostile.md] [--big]

``--big`` adds the 7 MB DOCX holding 1.5 GB of XML from the issue (slow to build).
Peak memory is the largest ``ru_maxrss`` of the CLI and its descendants (``wait4``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.ingest.hostile_makers import PARA, docx_bomb, pdf_declaring_pages, pdf_stream_bomb  # noqa: E402
from tests.ingest.makers import make_docx  # noqa: E402


def big_docx_bomb(path: Path, xml_mb: int, tmp: Path) -> Path:
    """The issue's 7 MB DOCX holding 1.5 GB of XML, written as a stream."""
    src = make_docx(tmp / "_big_src.docx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != "word/document.xml":
                z.writestr(info, data)
                continue
            s = data.decode("utf-8")
            i = s.index("<w:body>") + len("<w:body>")
            block = PARA.encode("utf-8") * (1024 * 1024 // len(PARA.encode("utf-8")))
            with z.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(s[:i].encode("utf-8"))
                for _ in range(xml_mb):
                    out.write(block)
                out.write(s[i:].encode("utf-8"))
    return path


def run(path: Path, data_dir: Path) -> tuple[float, int, float, str]:
    env = {**os.environ, "BAOCAO_DATA_DIR": str(data_dir), "BAOCAO_EMBEDDING_MODEL": "hash:256"}
    env["PYTHONPATH"] = str(REPO)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "add", str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, _status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    out = (proc.stdout.read() if proc.stdout else "") + (proc.stderr.read() if proc.stderr else "")
    line = next((ln for ln in out.splitlines() if ln.startswith(("LỖI", "ĐÃ NẠP"))), out[-200:])
    import resource

    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # largest descendant so far
    return elapsed, usage.ru_maxrss, child_peak / 1024, line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.hostile")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "hostile.md")
    ap.add_argument("--big", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp_s:
        tmp = Path(tmp_s)
        cases = [
            ("DOCX 50 MB of XML (issue: 270 KB)", docx_bomb(tmp / "bom50.docx", 50, tmp)),
            ("PDF content stream inflating to 400 MB", pdf_stream_bomb(tmp / "bom.pdf", 400)),
            ("PDF declaring 1,000,000 pages", pdf_declaring_pages(tmp / "trang.pdf", 1_000_000)),
            ("PDF stream compressed twice, 1 GB", pdf_stream_bomb(tmp / "bom2.pdf", 1024, twice=True)),
        ]
        if args.big:
            cases.insert(
                1, ("DOCX 1.5 GB of XML (issue: 7 MB)", big_docx_bomb(tmp / "bom1500.docx", 1536, tmp))
            )
        for title, path in cases:
            elapsed, cli_kb, child_mb, line = run(path, tmp / "data")
            size = path.stat().st_size / 1024
            peak = max(cli_kb / 1024, child_mb)
            rows.append(f"| {title} | {size:,.0f} KB | {elapsed:.2f} s | {peak:.0f} MB | {line} |")
            print(rows[-1], flush=True)
    text = "\n".join(
        [
            "# Hostile files: refusal time and peak memory (`python -m bench.hostile`)",
            "",
            "Each file through `python -m ingest add` (hash embedder, empty index). Peak memory:",
            "the largest resident set of any process of the command (the CLI itself, about",
            "200 MB, or its PDF/DOCX reader child), from `wait4`/`RUSAGE_CHILDREN`.",
            "",
            "| file | size | refused after | peak RSS | output |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
