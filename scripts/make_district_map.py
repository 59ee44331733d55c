"""Make src/dasan/trends/maps/seoul.json — Seoul's 25 districts as SVG paths — from the KOSTAT
2013 census boundaries as published by southkorea/seoul-maps (Apache-2.0):
kostat/2013/json/seoul_municipalities_geo_simple.json.

    python scripts/make_district_map.py PATH/TO/seoul_municipalities_geo_simple.json

Longitude and latitude are projected equirectangularly (longitude scaled by cos of the mean
latitude) into a 1000-unit-wide box, y downwards; coordinates are rounded to 0.1 unit."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "dasan" / "trends" / "maps" / "seoul.json"


def main(src: str) -> None:
    geo = json.loads(Path(src).read_text(encoding="utf-8"))
    rings_of = {}
    for f in geo["features"]:
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        rings_of[f["properties"]["code"]] = (f["properties"], [ring for poly in polys for ring in poly])
    pts = [p for _, rings in rings_of.values() for ring in rings for p in ring]
    lat0 = sum(p[1] for p in pts) / len(pts)
    k = math.cos(math.radians(lat0))
    xs, ys = [p[0] * k for p in pts], [p[1] for p in pts]
    scale = 1000 / (max(xs) - min(xs))
    height = round((max(ys) - min(ys)) * scale, 1)

    def xy(p):
        return round((p[0] * k - min(xs)) * scale, 1), round((max(ys) - p[1]) * scale, 1)

    districts = []
    for code, (props, rings) in sorted(rings_of.items()):
        d = " ".join("M" + " L".join(f"{x},{y}" for x, y in map(xy, ring)) + " Z" for ring in rings)
        cx = sum(xy(p)[0] for r in rings for p in r) / sum(len(r) for r in rings)
        cy = sum(xy(p)[1] for r in rings for p in r) / sum(len(r) for r in rings)
        districts.append({"code": code, "name": props["name"], "name_en": props["name_eng"], "d": d,
                          "label_at": [round(cx, 1), round(cy, 1)]})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "city": "Seoul", "width": 1000, "height": height, "districts": districts,
        "source": "KOSTAT 2013 census boundaries (센서스용 행정구역경계) via github.com/southkorea/seoul-maps, "
                  "kostat/2013/json/seoul_municipalities_geo_simple.json",
        "licence": "Apache-2.0 (southkorea/seoul-maps); projected and rounded by scripts/make_district_map.py",
    }, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(districts)} districts → {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(sys.argv[1])
