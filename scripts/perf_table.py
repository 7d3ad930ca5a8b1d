#!/usr/bin/env python3
"""Renders the hub-versus-JetStream comparison of scripts/perf.sh as a markdown table.

Usage: perf_table.py DIR
DIR holds, per point, LABEL.hub.json and LABEL.nats.json (`guardia bench --json`), and a file
`points` listing the labels in order. A file with several runs (the raid) gives one row per run.
Standard library only, so that the script needs nothing the machine lacks.
"""

import json
import sys
from pathlib import Path


def runs(path):
    """Every run's report in one `guardia bench --json` output, or [] if it is missing."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return data.get("runs") or [data["bench"]]


def pair(pct):
    return f"{pct['p50_ms']:.2f} / {pct['p99_ms']:.2f}"


def delivered(r):
    """Durable of asked, and whether every durable one reached every subscriber."""
    text = f"{r['acknowledged']:,}/{r['sent']:,}"
    if r["subscribers"] and r["delivered_to_all"] != r["acknowledged"]:
        text += f" ({r['delivered_to_all']:,} to all)"
    return text


def main():
    out = Path(sys.argv[1])
    labels = (out / "points").read_text().split()
    print(
        "| point | hub ack p50 / p99 ms | JetStream ack p50 / p99 ms "
        "| hub delivery p50 / p99 ms | JetStream delivery p50 / p99 ms "
        "| delivery p99 hub ÷ JetStream | durable of asked: hub · JetStream |"
    )
    print("|---|---|---|---|---|---|---|")
    for label in labels:
        hub, nats = runs(out / f"{label}.hub.json"), runs(out / f"{label}.nats.json")
        for i in range(max(len(hub), len(nats))):
            h = hub[i] if i < len(hub) else None
            n = nats[i] if i < len(nats) else None
            first = h or n
            name = f"{first['rate_asked']:,.0f}/s × {first['subscribers']:,}"
            if label.startswith("raid"):
                name = f"raid run {i + 1} ({name}, coalescing off)"
            cells = [
                pair(h["post_to_201"]) if h else "–",
                pair(n["post_to_201"]) if n else "–",
                pair(h["post_to_subscriber"]) if h else "–",
                pair(n["post_to_subscriber"]) if n else "–",
            ]
            if h and n and n["post_to_subscriber"]["p99_ms"] > 0:
                ratio = h["post_to_subscriber"]["p99_ms"] / n["post_to_subscriber"]["p99_ms"]
                cells.append(f"**{ratio:.2f}**")
            else:
                cells.append("–")
            cells.append(
                f"{delivered(h) if h else '–'} · {delivered(n) if n else '–'}"
            )
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
