"""Trang "Số liệu chỉ tiêu": phường/xã × chỉ tiêu × năm, bộ lọc, biểu đồ, xuất Excel/CSV.

Every cell carries its citation: the long table numbers each figure [n] with its document,
section and sentence; the pivot shows "value [n]". The chart is drawn from the values of one
indicator in one unit (bars for wards, a line over the years), the axis named with the unit.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pandas as pd
import streamlit as st

from assistant.indicators import KIND_LABELS, Asked, figures_for
from ingest.indicators import IndicatorRecord, measure_of

ALL = "Tất cả"
MAX_ROWS_SHOWN = 200  # st.table renders every row; the exports carry them all
COLUMNS = [
    "STT", "Phường/xã", "Chỉ tiêu", "Năm", "Kỳ", "Loại số liệu", "Số liệu (như báo cáo)", "Giá trị", "Đơn vị",
    "So với", "Văn bản", "Ngày văn bản", "Mục", "Câu trích", "Tệp",
]  # fmt: skip


def _date_vn(iso: str) -> str:
    if not iso or iso.count("-") != 2:
        return ""
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def export_rows(recs: list[IndicatorRecord]) -> list[dict[str, Any]]:
    """One row per figure, with its citation (document, section, sentence)."""
    return [
        {
            "STT": i,
            "Phường/xã": r.ward,
            "Chỉ tiêu": r.indicator,
            "Năm": r.year or "",
            "Kỳ": r.period,
            "Loại số liệu": KIND_LABELS.get(r.kind, r.kind),
            "Số liệu (như báo cáo)": r.value_text,
            "Giá trị": r.value,
            "Đơn vị": r.unit,
            "So với": r.base,
            "Văn bản": r.document,
            "Ngày văn bản": _date_vn(r.doc_date),
            "Mục": r.section,
            "Câu trích": r.text,
            "Tệp": r.source,
        }
        for i, r in enumerate(recs, start=1)
    ]


def to_csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS)
    w.writeheader()
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens Vietnamese correctly


def to_xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu chỉ tiêu"
    ws.append(COLUMNS)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([r[c] for c in COLUMNS])
    widths = {"Chỉ tiêu": 36, "Văn bản": 34, "Mục": 50, "Câu trích": 80, "Số liệu (như báo cáo)": 22}
    for i, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(name, 14)
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pivot(recs: list[IndicatorRecord]) -> pd.DataFrame:
    """Rows (chỉ tiêu, năm, loại) × columns phường/xã; cells "value [n]" (n = STT of the figure)."""
    cells: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for n, r in enumerate(recs, start=1):
        key = (r.indicator, str(r.year or ""), KIND_LABELS.get(r.kind, r.kind))
        cells.setdefault(key, {}).setdefault(r.ward, []).append(f"{r.value_text} [{n}]")
    wards = sorted({r.ward for r in recs})
    data = [
        {"Chỉ tiêu": k[0], "Năm": k[1], "Loại số liệu": k[2], **{w: "; ".join(v.get(w, [])) for w in wards}}
        for k, v in sorted(cells.items())
    ]
    return pd.DataFrame(data, columns=["Chỉ tiêu", "Năm", "Loại số liệu", *wards])


def chart_points(recs: list[IndicatorRecord], indicator: str) -> tuple[pd.DataFrame, str] | None:
    """Values of one indicator in its most common unit, ratios and changes left out."""
    own = figures_for(Asked(indicator, "any", False), [r for r in recs if r.kind != "so sánh kỳ trước"])
    if not own:
        return None
    unit = Counter(r.unit for r in own).most_common(1)[0][0]
    pts = [r for r in own if r.unit == unit]
    scale, label = 1.0, unit or "số lượng"
    if measure_of(unit) == "money" and min(r.value for r in pts) >= 1e8:
        scale, label = 1e9, "tỷ đồng"
    elif measure_of(unit) == "money" and min(r.value for r in pts) >= 1e5:
        scale, label = 1e6, "triệu đồng"
    frame = pd.DataFrame(
        {
            "Phường/xã": [r.ward for r in pts],
            "Năm": [str(r.year or "") for r in pts],
            "Loại": [KIND_LABELS.get(r.kind, r.kind) for r in pts],
            label: [round(r.value / scale, 3) for r in pts],
            "Nguồn": [f"{r.document} — {r.section}" for r in pts],
        }
    )
    return frame, label


def trend_chart(rows: list[dict[str, Any]]) -> None:
    """A line over the years for trend answers (rows from ``assistant.compare``)."""
    pts = [r for r in rows if not r.get("refused") and r.get("value") is not None and r.get("year")]
    units = {str(r.get("unit") or "") for r in pts}
    if len(pts) < 2 or len(units) != 1:
        return
    unit = units.pop() or "số lượng"
    frame = pd.DataFrame({"Năm": [str(r["year"]) for r in pts], "Phường/xã": [r["ward"] for r in pts],
                          unit: [float(r["value"]) for r in pts]})  # fmt: skip
    st.line_chart(frame, x="Năm", y=unit, color="Phường/xã", x_label="Năm", y_label=unit)


def _draw(frame: pd.DataFrame, label: str) -> None:
    if frame["Năm"].nunique() > 1:
        st.line_chart(frame, x="Năm", y=label, color="Phường/xã", x_label="Năm", y_label=label)
    else:
        st.bar_chart(frame, x="Phường/xã", y=label, x_label="", y_label=label, horizontal=True,
                     height=70 * len(frame) + 70)  # fmt: skip
    st.table(frame.set_index("Phường/xã"))


def _pick(label: str, options: list[str], key: str) -> str:
    return str(st.selectbox(label, [ALL, *options], key=key, placeholder="Chọn…"))


def indicators_page(assistant: Any) -> None:
    st.header("Số liệu chỉ tiêu")
    st.caption("Mọi con số được trích nguyên văn từ báo cáo, kèm văn bản, mục và câu trích.")
    try:
        table = assistant.index.indicator_table().query()
    except Exception:
        st.error("Không đọc được bảng số liệu chỉ tiêu. Hãy thử tải lại trang.")
        return
    if not table:
        st.info("Chưa có số liệu: hãy nạp báo cáo vào Thư viện báo cáo.")
        return
    c1, c2, c3, c4 = st.columns(4)
    ward = _pick("Phường/xã", sorted({r.ward for r in table}), "ind_ward")
    with c2:
        year = _pick("Năm", sorted({str(r.year) for r in table if r.year}), "ind_year")
    with c3:
        topic = _pick("Lĩnh vực", sorted({r.topic for r in table if r.topic}), "ind_topic")
    with c4:
        kind = _pick("Loại số liệu", [KIND_LABELS[k] for k in KIND_LABELS], "ind_kind")
    with c1:
        text = st.text_input("Tìm chỉ tiêu", key="ind_text", placeholder="ví dụ: hộ nghèo")
    recs = [
        r
        for r in table
        if (ward == ALL or r.ward == ward)
        and (year == ALL or str(r.year) == year)
        and (topic == ALL or r.topic == topic)
        and (kind == ALL or KIND_LABELS.get(r.kind) == kind)
        and (not text.strip() or text.strip().lower() in r.indicator.lower())
    ]
    st.write(f"{len(recs)} số liệu.")
    if not recs:
        return
    rows = export_rows(recs)
    d1, d2 = st.columns(2)
    d1.download_button("Tải Excel (.xlsx)", to_xlsx_bytes(rows), "so_lieu_chi_tieu.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="ind_xlsx")  # fmt: skip
    d2.download_button("Tải CSV", to_csv_bytes(rows), "so_lieu_chi_tieu.csv", "text/csv", key="ind_csv")
    st.subheader("Bảng phường/xã × chỉ tiêu × năm")
    st.caption("[n] là số thứ tự của số liệu trong bảng nguồn bên dưới.")
    st.table(pivot(recs).set_index("Chỉ tiêu"))
    st.subheader("Biểu đồ")
    names = [n for n, _ in Counter(r.indicator for r in recs if r.catalogued).most_common()] or sorted(
        {r.indicator for r in recs}
    )
    chosen = str(st.selectbox("Chỉ tiêu vẽ biểu đồ", names, key="ind_chart", placeholder="Chọn chỉ tiêu…"))
    pts = chart_points(recs, chosen)
    if pts is not None:
        _draw(*pts)
    st.subheader("Bảng nguồn (trích dẫn từng số liệu)")
    shown = rows[:MAX_ROWS_SHOWN]
    if len(rows) > len(shown):
        st.caption(f"Hiển thị {len(shown)}/{len(rows)} số liệu; tải Excel hoặc CSV để có đủ.")
    cols = [
        "STT",
        "Phường/xã",
        "Chỉ tiêu",
        "Năm",
        "Loại số liệu",
        "Số liệu (như báo cáo)",
        "Văn bản",
        "Mục",
        "Câu trích",
    ]
    st.table(pd.DataFrame(shown, columns=COLUMNS)[cols].set_index("STT"))
