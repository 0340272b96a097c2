"""A bar chart of a file's findings by code, drawn by the server as SVG geometry (templates/check_chart.html
renders it: presentation attributes only, no style attribute; each bar carries its code and count as text)."""

from __future__ import annotations

from dataclasses import dataclass

from batchkit.core.findings import SEVERITY_ORDER, FileReport

FILL = {"error": "#b3261e", "warning": "#b7791f"}
BAR, GAP, LABEL, TRACK, TAIL = 20, 6, 64, 260, 140  # bar height, gap, code label, longest bar, count label


@dataclass(frozen=True)
class Bar:
    code: str
    title: str
    severity: str
    count: int
    y: int
    width: int
    fill: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label: int = LABEL
    bar: int = BAR


def chart_of(fr: FileReport, titles: dict[str, str]) -> Chart:
    """Bars by code, most frequent first (errors before warnings on a tie), as long as their counts."""
    counts = {(code, sev): n for (code, sev), n in fr.by_code_severity.items() if n > 0}
    order = sorted(counts, key=lambda k: (-counts[k], SEVERITY_ORDER.get(k[1], 9), k[0]))
    top = max(counts.values(), default=1)
    bars = [Bar(code, titles.get(code, ""), sev, counts[code, sev], GAP + i * (BAR + GAP),
                max(2, round(TRACK * counts[code, sev] / top)), FILL.get(sev, "#1d4f91"))
            for i, (code, sev) in enumerate(order)]
    return Chart(bars, LABEL + TRACK + TAIL, GAP + len(bars) * (BAR + GAP))
