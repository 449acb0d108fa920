"""The indicators page (AppTest over the sample index) and its exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from ingest.indicators import IndicatorRecord
from tests.ui.conftest import APP
from ui.indicators import chart_points, export_rows, pivot, to_csv_bytes, to_xlsx_bytes

RECS = [
    IndicatorRecord(ward="Xương Giang", indicator="thu ngân sách", value_text="15.300.000.000đ", value=15.3e9,
                    unit="đồng", year=2023, kind="ước thực hiện", document="Kế hoạch ngày 30/8/2023",
                    doc_date="2023-08-30", section="3. Tài chính", text="Thu ngân sách phường ước: 15.300.000.000đ"),
    IndicatorRecord(ward="Ngô Quyền", indicator="thu ngân sách", value_text="17.384.571.763 đồng", value=17384571763,
                    unit="đồng", year=2023, kind="ước thực hiện", document="Báo cáo số 137/BC-UBND",
                    doc_date="2023-11-30", section="2. Tài chính", text="tổng thu ngân sách … 17.384.571.763 đồng"),
    IndicatorRecord(ward="Ngô Quyền", indicator="thu ngân sách", value_text="104,4%", value=104.4, unit="%",
                    year=2023, kind="ước thực hiện", base="kế hoạch", text="đạt 104,4% so với kế hoạch"),
]  # fmt: skip


@pytest.mark.unit
def test_exports_carry_citations() -> None:
    rows = export_rows(RECS)
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(rows)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert "Câu trích" in header and "Văn bản" in header
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert values[0][header.index("Số liệu (như báo cáo)")] == "15.300.000.000đ"
    assert values[0][header.index("Câu trích")] == "Thu ngân sách phường ước: 15.300.000.000đ"
    assert values[0][header.index("Ngày văn bản")] == "30/08/2023"
    got = list(csv.DictReader(io.StringIO(to_csv_bytes(rows).decode("utf-8-sig"))))
    assert got[1]["Phường/xã"] == "Ngô Quyền" and got[1]["Văn bản"] == "Báo cáo số 137/BC-UBND"


@pytest.mark.unit
def test_pivot_cells_cite_and_chart_uses_one_unit() -> None:
    p = pivot(RECS)
    assert p.loc[0, "Xương Giang"] == "15.300.000.000đ [1]"
    assert p.loc[0, "Ngô Quyền"] == "17.384.571.763 đồng [2]; 104,4% [3]"
    frame, label = chart_points(RECS, "thu ngân sách")  # type: ignore[misc]
    assert label == "tỷ đồng" and sorted(frame[label]) == [15.3, 17.385]  # the ratio is not a point


@pytest.mark.integration
def test_indicators_page_renders(sample_data_dir: Path, use_index: Callable[..., None]) -> None:
    use_index(sample_data_dir)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.radio(key="view").set_value("Số liệu chỉ tiêu").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(h.value == "Số liệu chỉ tiêu" for h in at.header)
    at.selectbox(key="ind_ward").set_value("Ngô Quyền").run()
    at.text_input(key="ind_text").set_value("thu ngân sách").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe, "no table with an English toolbar"
    frames = [t.value for t in at.table]
    assert any("Ngô Quyền" in f.columns for f in frames)  # the pivot: one column per ward
    source = frames[-1]
    assert set(source["Phường/xã"]) == {"Ngô Quyền"}
    assert "17.384.571.763 đồng" in set(source["Số liệu (như báo cáo)"])
    assert source["Câu trích"].str.len().min() > 0  # every figure carries its sentence
