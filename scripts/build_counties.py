#!/usr/bin/env python3
"""Rebuilds config/jurisdiction/counties.tsv (county polygons) from the `us-atlas` npm package.

Source: us-atlas 3.0.1 (npm; github.com/topojson/us-atlas), file `counties-10m.json`: the Census
Bureau's cartographic boundary file of counties, 2017 edition (cb_2017_us_county_5m), quantized and
simplified by Mike Bostock. Census geography is public domain; the packaging is ISC-licensed.
Tarball sha256 e6daba1800885868303ad3549da62f85a557b8142bb72629ec15651de62f9c5d.

    cd /tmp && npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python3 scripts/build_counties.py /tmp/package/counties-10m.json > config/jurisdiction/counties.tsv
    python3 scripts/build_counties.py --check            # test points + federal_districts.csv

Python 3.11, standard library only. The output is deterministic (same input, same bytes).

Output format (UTF-8, LF). Lines starting with `#` are comments. Every other line is one county
(or county equivalent: parish, borough, census area, independent city, municipio), sorted by FIPS,
with four tab-separated fields:

    FIPS <TAB> NAME <TAB> ST <TAB> GEOMETRY

  FIPS      5-digit county FIPS code (state 2 digits + county 3 digits), e.g. 06071
  NAME      county name without "County"/"Parish"; the independent cities of Virginia, Baltimore
            city (24510) and St. Louis city (29510) get a " city" suffix, as the Census names them,
            so that they differ from the counties of the same name (Carson City NV is left as is)
  ST        USPS state/territory code derived from the state FIPS prefix (AS, GU, MP, PR, VI too)
  GEOMETRY  polygons separated by `|`; inside a polygon, rings separated by `;` (the first ring is
            the outer boundary, the others are holes); inside a ring, points separated by `,`;
            a point is `lon lat` (one space, decimal degrees, WGS84/NAD83, at most 4 decimals,
            trailing zeros dropped). Rings are closed implicitly: the last point is NOT repeated.

Point-in-county: a point is in the county when a ray from it crosses the county's rings (all
rings of all its polygons together) an odd number of times (even-odd rule); holes and islands
then need no special handling. Adjacent counties share exactly the same vertices (TopoJSON arcs
are shared), so there are no gaps or overlaps except for points exactly on a border. Coordinates
were quantized by us-atlas to about 0.0036 deg of longitude by 0.00086 deg of latitude (~300 m by
~100 m), then simplified: near a county border (< ~1 km) the answer can be the neighbouring
county, and coastal points may fall outside every county. Aleutians West (02016) crosses the
180th meridian: its western islands have positive longitudes.
"""
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "config" / "jurisdiction"

STATE_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
    "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
    "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
    "28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
    "36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
    "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
    "54": "WV", "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}


def county_name(fips, name):
    if (fips[:2] == "51" and int(fips[2:]) >= 500) or fips in ("24510", "29510"):
        return name + " city"
    return name


def fmt(v):
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def decode(topo):
    """Yields (fips, name, [polygon [ring [(lon, lat)]]]) from a quantized TopoJSON topology."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:  # delta-encoded quantized positions
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        arcs.append(pts)

    def ring(indexes):
        out = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]  # negative index: arc ~i reversed
            out.extend(pts if not out else pts[1:])  # consecutive arcs share an end point
        # drop repeated points (none expected), then the closing point
        dedup = [p for k, p in enumerate(out) if k == 0 or p != out[k - 1]]
        if len(dedup) > 1 and dedup[0] == dedup[-1]:
            dedup.pop()
        return dedup

    for g in topo["objects"]["counties"]["geometries"]:
        if g["type"] == "Polygon":
            polys = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polys = g["arcs"]
        else:
            raise SystemExit(f"unexpected geometry type {g['type']} for {g.get('id')}")
        geom = [[ring(r) for r in p] for p in polys]
        yield g["id"], g["properties"]["name"], geom


def build(src):
    topo = json.load(open(src, encoding="utf-8"))
    rows = sorted(decode(topo))
    w = sys.stdout
    w.write("# counties.tsv: US county boundaries, generated by scripts/build_counties.py; do not edit\n")
    w.write("# source: npm us-atlas 3.0.1 counties-10m.json = US Census Bureau cartographic boundary "
            "file, counties, 2017 edition (public domain); quantized/simplified by us-atlas\n")
    w.write("# FIPS<TAB>NAME<TAB>ST<TAB>GEOMETRY; GEOMETRY = polygons split by '|', rings by ';' "
            "(first outer, rest holes), points by ',', point = 'lon lat'; rings implicitly closed; "
            "even-odd rule over all rings\n")
    for fips, name, geom in rows:
        if "\t" in name or "\n" in name:
            raise SystemExit(f"bad name {name!r}")
        g = "|".join(";".join(",".join(f"{fmt(x)} {fmt(y)}" for x, y in r) for r in p) for p in geom)
        w.write(f"{fips}\t{county_name(fips, name)}\t{STATE_FIPS[fips[:2]]}\t{g}\n")


# ----------------------------------------------------------------------------- check


def load_tsv(path):
    counties = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            continue
        fips, name, st, geom = line.rstrip("\n").split("\t")
        rings = []
        for poly in geom.split("|"):
            for r in poly.split(";"):
                rings.append([tuple(map(float, p.split(" "))) for p in r.split(",")])
        xs = [x for r in rings for x, _ in r]
        ys = [y for r in rings for _, y in r]
        counties.append((fips, name, st, (min(xs), min(ys), max(xs), max(ys)), rings))
    return counties


def inside(lon, lat, rings):
    c = False
    for r in rings:
        n = len(r)
        j = n - 1
        for i in range(n):
            xi, yi = r[i]
            xj, yj = r[j]
            if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                c = not c
            j = i
    return c


def locate(counties, lat, lon):
    return [
        (f, n, s)
        for f, n, s, (x0, y0, x1, y1), rings in counties
        if x0 <= lon <= x1 and y0 <= lat <= y1 and inside(lon, lat, rings)
    ]


TEST_POINTS = [
    ("Adelanto, CA", 34.58, -117.41, "06071"),
    ("Karnes City, TX", 28.885, -97.90, "48255"),
    ("Lumpkin, GA", 32.05, -84.80, "13259"),
    ("Otay Mesa, CA", 32.57, -116.94, "06073"),
    ("downtown Los Angeles", 34.05, -118.25, "06037"),
    ("Chicago, IL", 41.88, -87.63, "17031"),
]


def check(tsv, districts_csv, circuits_csv):
    import csv

    counties = load_tsv(tsv)
    print(f"{tsv}: {len(counties)} counties, {Path(tsv).stat().st_size:,} bytes")
    ok = True
    for label, lat, lon, want in TEST_POINTS:
        got = locate(counties, lat, lon)
        good = [g[0] for g in got] == [want]
        ok &= good
        print(f"  {'ok ' if good else 'BAD'} {label} ({lat}, {lon}) -> {got} (want {want})")

    by_fips = {f: (n, s) for f, n, s, _, _ in counties}
    if Path(circuits_csv).exists():
        circuits = {r["state"]: r["circuit"] for r in csv.DictReader(open(circuits_csv, encoding="utf-8"))}
        print(f"{circuits_csv}: {len(circuits)} states/territories")
    else:
        circuits = {}
    if Path(districts_csv).exists():
        rows = list(csv.DictReader(open(districts_csv, encoding="utf-8")))
        print(f"{districts_csv}: {len(rows)} rows")
        state_rows, county_rows = {}, {}
        for r in rows:
            st, f = r["state"], r["county_fips"]
            if circuits and circuits.get(st) != r["circuit"]:
                ok = False
                print(f"  BAD circuit {r['circuit']} for {st} {f} (circuits.csv says {circuits.get(st)})")
            if not f:
                if st in state_rows:
                    ok = False
                    print(f"  BAD two state rows for {st}")
                state_rows[st] = r["district_code"]
                continue
            if f in county_rows:
                ok = False
                print(f"  BAD county {f} twice")
            county_rows[f] = r["district_code"]
            if f not in by_fips:
                ok = False
                print(f"  BAD county {f} {r['county_name']} not in counties.tsv")
            elif by_fips[f] != (r["county_name"], st):
                ok = False
                print(f"  BAD county {f}: csv says {r['county_name']} {st}, tsv says {by_fips[f]}")
        # every county must resolve to exactly one district
        # American Samoa (AS) has no federal district court: its counties are expected to resolve to none
        unresolved = [f for f, (n, s) in by_fips.items()
                      if f not in county_rows and s not in state_rows and s != "AS"]
        if unresolved:
            ok = False
            print(f"  BAD {len(unresolved)} counties with no district: {unresolved[:20]}")
        # in a multi-district state, every county needs its own row (no silent state default)
        multi = {}
        for r in rows:
            if r["county_fips"]:
                multi.setdefault(r["state"], set()).add(r["district_code"])
        for st in multi:
            missing = [f for f, (n, s) in by_fips.items() if s == st and f not in county_rows]
            if missing:
                ok = False
                print(f"  BAD {st}: {len(missing)} counties without a row: {missing}")
        for label, lat, lon, want in TEST_POINTS:
            f = [g[0] for g in locate(counties, lat, lon)]
            if f:
                d = county_rows.get(f[0]) or state_rows.get(by_fips[f[0]][1])
                print(f"  {label} -> {f[0]} -> {d}, circuit {circuits.get(by_fips[f[0]][1])}")
    print("all checks passed" if ok else "CHECK FAILED")
    return ok


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--check"]:
        tsv = args[1] if len(args) > 1 else OUT_DIR / "counties.tsv"
        sys.exit(0 if check(tsv, OUT_DIR / "federal_districts.csv", OUT_DIR / "circuits.csv") else 1)
    if len(args) != 1:
        sys.exit(__doc__)
    build(args[0])
