"""The radar's buckets as a bar chart drawn by the server (templates/radar_chart.html renders the geometry as SVG:
presentation attributes only, no style attribute). Colour is never alone: each bar carries its bucket's label, its
count and the commission at stake per currency as text. A bar is as long as its count of corrections (amounts in
different currencies cannot be one length)."""

from __future__ import annotations

from dataclasses import dataclass

from batchkit.deadlines.model import Radar

FILL = {"locked": "#b3261e", "24h": "#c2410c", "3d": "#a16207", "days": "#6b6b00", "later": "#1d4f91",
        "unknown": "#5a5f66"}
BAR, GAP, LABEL, TRACK, CHAR = 22, 8, 200, 220, 7.6  # bar height, gap, label width, longest bar, a character


@dataclass(frozen=True)
class BucketBar:
    key: str
    label: str
    count: int
    money: str
    y: int
    width: int
    fill: str


@dataclass(frozen=True)
class BucketChart:
    bars: list[BucketBar]
    width: int
    height: int
    label: int = LABEL
    bar: int = BAR


def bucket_chart(radar: Radar) -> BucketChart:
    """A bar per bucket in the radar's order (already locked first), as long as its count."""
    top = max([t.count for t in radar.buckets.values()] + [1])
    bars = [BucketBar(key, radar.label(key), t.count, t.text(), GAP + n * (BAR + GAP),
                      max(2, round(TRACK * t.count / top)) if t.count else 0, FILL.get(key, "#1d4f91"))
            for n, (key, t) in enumerate(radar.buckets.items())]
    tail = max([len(b.money) for b in bars] + [4]) * CHAR + 16
    return BucketChart(bars, round(LABEL + TRACK + tail), GAP + len(bars) * (BAR + GAP))
