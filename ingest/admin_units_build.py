"""Regenerate ``ingest/data/admin_units_2025.tsv.gz`` from the ``vietnamadminunits`` data.

The mapping of the 2025 reorganisation (63 → 34 provinces, districts abolished, communes
merged; in force since 1/7/2025) is maintained in the MIT-licensed package
``vietnamadminunits`` (github.com/tranngocminhhieu/vietnamadminunits). We read only its
data files (``dataset.db``, ``converter_2025.json``) — not its code, whose dependencies
include a GPL package — and keep a compact table:

    new_province  new_kind  new_name  old_province  old_district  old_kind  old_name  split

``split`` is 1 when the old unit was divided among several new ones.

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau
    python -m ingest.admin_units_build /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "data" / "admin_units_2025.tsv.gz"
_DATA = "vietnamadminunits/data/"


def _read(source: Path, tmp: Path) -> tuple[Path, dict[str, Any]]:
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as z:
            db = tmp / "dataset.db"
            db.write_bytes(z.read(_DATA + "dataset.db"))
            conv = json.loads(z.read(_DATA + "converter_2025.json"))
        return db, conv
    return source / "dataset.db", json.loads((source / "converter_2025.json").read_text("utf-8"))


def build(source: Path, out: Path = OUT) -> int:
    with tempfile.TemporaryDirectory() as t:
        db_path, conv = _read(source, Path(t))
        db = sqlite3.connect(db_path)
        old = {
            (r[0], r[1], r[2]): r[3:]
            for r in db.execute(
                "select provinceKey, districtKey, wardKey, provinceShort, district, wardType, wardShort "
                "from admin_units_legacy"
            )
        }
        new = {
            (r[0], r[1]): r[2:]
            for r in db.execute(
                "select provinceKey, wardKey, provinceShort, wardType, wardShort from admin_units"
            )
        }
        db.close()
    rows: set[tuple[str, ...]] = set()

    def add(new_prov: str, new_ward: str, old_key: str, split: int) -> None:
        try:
            p, d, w = old_key.split("_")
        except ValueError:
            return
        o = old.get((p, d, w))
        n = new.get((new_prov, new_ward))
        if o is None or n is None:
            return
        rows.add((n[0], n[1].lower(), n[2], o[0], o[1], o[2].lower(), o[3], str(split)))

    for new_prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in wards.items():
            for old_key in olds:
                add(new_prov, new_ward, old_key, 0)
    for new_prov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            for t in targets:
                add(new_prov, t["newWardKey"], old_key, 1)
    # provinces: "tỉnh Bắc Giang" (old) → "tỉnh Bắc Ninh"
    prov_names = {k: v[0] for (k, _), v in new.items()}
    old_prov_names = {k[0]: v[0] for k, v in old.items()}
    for new_prov, old_provs in conv["DICT_PROVINCE"].items():
        for op in old_provs:
            if new_prov in prov_names and op in old_prov_names:
                kind = "thành phố" if new_prov.startswith("thanhpho") else "tỉnh"
                okind = "thành phố" if op.startswith("thanhpho") else "tỉnh"
                rows.add(
                    (
                        prov_names[new_prov],
                        kind,
                        prov_names[new_prov],
                        old_prov_names[op],
                        "",
                        okind,
                        old_prov_names[op],
                        "0",
                    )
                )
    out.parent.mkdir(parents=True, exist_ok=True)
    header = "new_province\tnew_kind\tnew_name\told_province\told_district\told_kind\told_name\tsplit\n"
    body = "".join("\t".join(r) + "\n" for r in sorted(rows))
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write((header + body).encode("utf-8"))
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="vietnamadminunits wheel, or its data/ folder")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    n = build(args.source, args.out)
    print(f"{n} rows → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
