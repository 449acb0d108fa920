"""The "Kiểm định" results as Vietnamese tables, an Excel workbook and a Markdown report."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pandas as pd

from ui.eval_jobs import EvalJob

CATEGORY_VI = {
    "fact_number": "Số liệu",
    "fact_text": "Thông tin",
    "list": "Liệt kê",
    "footnote": "Chú thích",
    "doubled_text": "Chữ in đậm bị lặp (PDF)",
    "plan_2024": "Kế hoạch năm sau",
    "comparison": "So sánh",
    "unanswerable": "Không có trong báo cáo",
    "followup": "Hỏi tiếp",
    "table": "Bảng",
}
KIND_VI = {
    "answered_unanswerable": "Trả lời câu báo cáo không nêu",
    "false_refusal": "Từ chối nhầm",
    "missing_strings": "Thiếu số liệu/từ cần có",
}


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def miss_kind(kind: str) -> str:
    base, _, rest = kind.partition("+")
    text = KIND_VI.get(base, base)
    return text + (" (không tìm thấy đoạn chứa đáp án)" if rest else "")


def overall_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    o = summary["overall"]
    return [
        ("Số câu hỏi", str(o["questions"])),
        ("Trả lời đúng (câu báo cáo có nêu)", pct(o.get("accuracy"))),
        ("Đúng trên toàn bộ (kể cả từ chối đúng)", pct(o.get("accuracy_all"))),
        ("Từ chối đúng (báo cáo không nêu)", pct(o.get("refusal_recall"))),
        ("Từ chối nhầm", pct(o.get("false_refusal_rate"))),
        ("Trích dẫn có chứa đáp án", pct(o.get("citation_precision"))),
    ]


def category_frame(summary: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for cat, b in summary["by_category"].items():
        rows.append(
            {
                "Loại câu hỏi": CATEGORY_VI.get(cat, cat),
                "Số câu": b["questions"],
                "Đúng": pct(b.get("accuracy_category")),
                "Từ chối đúng": pct(b.get("refusal_recall")),
                "Từ chối nhầm": pct(b.get("false_refusal_rate")),
                "Trích dẫn có đáp án": pct(b.get("citation_precision")),
            }
        )
    return pd.DataFrame(rows)


def misses_frame(job: EvalJob) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Mã": d["id"],
                "Loại": CATEGORY_VI.get(d["category"], d["category"]),
                "Câu hỏi": " → ".join([*d["history"], d["question"]]),
                "Phường/xã": d["wards"],
                "Cần có": "; ".join(d["expected"])
                if d["expected"] != ["(refusal)"]
                else "(báo cáo không nêu)",
                "Lỗi": miss_kind(d["kind"]),
                "Câu trả lời": d["got"],
                "Đoạn trích": d["passage"],
            }
            for d in job.misses()
        ]
    )


def excel_bytes(job: EvalJob) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        pd.DataFrame(overall_rows(job.summary), columns=["Chỉ số", "Giá trị"]).to_excel(
            xw, sheet_name="Tổng hợp", index=False
        )
        category_frame(job.summary).to_excel(xw, sheet_name="Theo loại", index=False)
        misses_frame(job).to_excel(xw, sheet_name="Câu sai", index=False)
    return buf.getvalue()


def _md_cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown_report(job: EvalJob) -> str:
    when = datetime.fromtimestamp(job.finished or job.started).strftime("%d/%m/%Y %H:%M")
    lines = [f"# Kết quả kiểm định — {job.name}", "", f"_Chạy lúc {when}, {job.total} câu hỏi._", ""]
    lines += ["| Chỉ số | Giá trị |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in overall_rows(job.summary)]
    cats = category_frame(job.summary)
    lines += ["", "## Theo loại câu hỏi", "", "| " + " | ".join(cats.columns) + " |"]
    lines.append("|" + "---|" * len(cats.columns))
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in cats.itertuples(index=False)]
    misses = misses_frame(job)
    lines += ["", f"## Câu trả lời sai ({len(misses)})", ""]
    for row in misses.to_dict(orient="records"):
        lines += [
            f"### {row['Mã']} — {row['Loại']}",
            f"- Câu hỏi: {_md_cell(row['Câu hỏi'])}",
            f"- Cần có: {_md_cell(row['Cần có'])}",
            f"- Lỗi: {row['Lỗi']}",
            f"- Câu trả lời: {_md_cell(row['Câu trả lời'])}",
            f"- Đoạn trích: {_md_cell(row['Đoạn trích']) or '(không có)'}",
            "",
        ]
    if job.problems:
        lines += ["## Dòng không dùng được", "", *(f"- {p}" for p in job.problems), ""]
    return "\n".join(lines)
