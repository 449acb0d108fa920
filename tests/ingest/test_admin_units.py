"""2025 reorganisation mapping (vietnamadminunits data): new ↔ old names."""

from __future__ import annotations

import pytest

from ingest.admin_units import now_part_of, predecessors, resolve_area, split_kind, successors

pytestmark = pytest.mark.unit


def test_new_ward_lists_the_old_wards_merged_into_it() -> None:
    names = resolve_area("phường Bắc Giang")
    assert names[0] == "Bắc Giang"
    assert {"Xương Giang", "Ngô Quyền", "Thọ Xương", "Trần Phú"} <= set(names)
    assert all(ln.new_province == "Bắc Ninh" for ln in predecessors("phường Bắc Giang"))


def test_old_ward_still_works_and_says_where_it_went() -> None:
    assert resolve_area("Xương Giang") == ["Xương Giang", "Bắc Giang"]
    assert resolve_area("xuong giang", kind="phường") == ["xuong giang", "Bắc Giang"]
    assert now_part_of("Xương Giang", kind="phường") == (
        "phường Xương Giang (cũ), nay thuộc phường Bắc Giang, tỉnh Bắc Ninh"
    )


def test_province_narrows_homonyms() -> None:
    assert resolve_area("Ngô Quyền", kind="phường", province="Bắc Giang") == ["Ngô Quyền", "Bắc Giang"]
    wide = resolve_area("Ngô Quyền", kind="phường")
    assert "Bắc Giang" in wide and "Sơn Tây" in wide  # Bắc Giang's and Sơn Tây's old wards


def test_provinces_merged() -> None:
    assert now_part_of("tỉnh Bắc Giang") == "tỉnh Bắc Giang (cũ), nay thuộc tỉnh Bắc Ninh"
    assert {ln.old_name for ln in predecessors("tỉnh Bắc Ninh")} == {"Bắc Ninh", "Bắc Giang"}


def test_unknown_or_unchanged_names() -> None:
    assert resolve_area("Không Có Tên Này") == ["Không Có Tên Này"]
    assert successors("Không Có Tên Này") == []
    assert now_part_of("Không Có Tên Này") == ""
    assert split_kind("P. Ngô Quyền") == ("phường", "Ngô Quyền")


def test_known_names_keep_only_the_indexed_ones() -> None:
    assert resolve_area("phường Bắc Giang", known=["Xương Giang", "Ngô Quyền", "Hội Phú"]) == [
        "Bắc Giang",
        "Ngô Quyền",
        "Xương Giang",
    ]
