"""Chart data for the dashboard: time series for uPlot (``static/charts.js`` draws them) and the storyline
swimlane (server-side SVG: one row per outlet, one dot per document, coloured by language)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from html import escape
from urllib.parse import quote

from markupsafe import Markup

from narrascope.documents import Document
from narrascope.store.base import TrendRow

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _week(day: str) -> str:
    d = date.fromisoformat(day)
    return date.fromisocalendar(*d.isocalendar()[:2], 1).isoformat()


def _epoch(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())


def time_series(rows: list[TrendRow], keys: list[str], weekly: bool | None = None) -> dict:
    """``{"x": [unix seconds], "series": [{"label", "color", "values"}], "unit": "day"|"week"}`` for ``keys``.

    Weekly buckets when the period spans more than 120 days (or when ``weekly``); missing buckets count 0.
    """
    days = sorted({r.day for r in rows})
    if not days:
        return {"x": [], "series": [], "unit": "day"}
    if weekly is None:
        weekly = (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days > 120
    bucket = _week if weekly else (lambda d: d)
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        counts[r.key][bucket(r.day)] += r.count
    start, end = date.fromisoformat(bucket(days[0])), date.fromisoformat(bucket(days[-1]))
    step = 7 if weekly else 1
    xs = [date.fromordinal(o).isoformat() for o in range(start.toordinal(), end.toordinal() + 1, step)]
    series = [{"label": key, "color": COLORS[i % len(COLORS)], "values": [counts[key].get(x, 0) for x in xs]}
              for i, key in enumerate(keys)]
    return {"x": [_epoch(x) for x in xs], "series": series, "unit": "week" if weekly else "day"}


def surge_marks(series: dict, surges: list) -> list[dict]:
    """Where the chart marks a surge: ``{"x", "series" (1-based uPlot index), "label"}`` per surge of a charted key,
    on the day (or week) bucket that holds it."""
    index = {s["label"]: i + 1 for i, s in enumerate(series["series"])}
    bucket = _week if series.get("unit") == "week" else (lambda d: d)
    marks = []
    for s in surges:
        if s.key in index:
            x = _epoch(bucket(s.day))
            if x in series["x"]:
                marks.append({"x": x, "series": index[s.key],
                              "label": f"Surge since {s.since}: {s.count} articles, {s.expected:.1f} expected"})
    return marks


def swimlane(documents: list[Document], width: int = 960, row: int = 26, max_rows: int = 25) -> Markup:
    """SVG: x = publication day, one row per outlet (most active first), dots coloured by language."""
    dated = [d for d in documents if d.published and len(d.published) >= 10]
    if not dated:
        return Markup("<p class='muted'>No dated documents in this storyline.</p>")
    outlets = [o for o, _ in Counter(d.outlet or "unknown outlet" for d in dated).most_common(max_rows)]
    languages = [lang for lang, _ in Counter(d.language or "?" for d in dated).most_common()]
    color = {lang: COLORS[i % len(COLORS)] for i, lang in enumerate(languages)}
    first = date.fromisoformat(min(d.published[:10] for d in dated))  # type: ignore[index]
    last = date.fromisoformat(max(d.published[:10] for d in dated))  # type: ignore[index]
    span = max((last - first).days, 1)
    left, right, top = 190, 60, 24
    height = top + row * len(outlets) + 30
    plot = width - left - right
    parts = [f'<svg class="swimlane" viewBox="0 0 {width} {height + 24}" width="100%" role="img" '
             f'aria-label="Storyline timeline: documents per outlet and day, coloured by language">']
    for i, outlet in enumerate(outlets):
        y = top + row * i + row / 2
        parts.append(f'<line x1="{left}" y1="{y:.0f}" x2="{width - right}" y2="{y:.0f}" stroke="#e3e6ea"/>'
                     f'<text x="{left - 8}" y="{y + 4:.0f}" text-anchor="end" font-size="12">{escape(outlet[:28])}</text>')
    ticks = sorted({round(span * k / 4) for k in range(5)}) if (last - first).days else [0]
    for offset in ticks:
        x = left + plot * (offset / span if (last - first).days else 0.5)
        day = date.fromordinal(first.toordinal() + offset).isoformat()
        parts.append(f'<text x="{x:.0f}" y="{top + row * len(outlets) + 18}" font-size="11" text-anchor="middle" '
                     f'fill="#555">{day}</text>')
    stacked: Counter = Counter()
    for d in sorted(dated, key=lambda d: (d.published or "", d.id)):
        outlet = d.outlet or "unknown outlet"
        if outlet not in outlets:
            continue
        offset = (date.fromisoformat(d.published[:10]) - first).days  # type: ignore[index]
        x = left + plot * (offset / span if (last - first).days else 0.5)
        slot = stacked[(outlet, offset)]
        stacked[(outlet, offset)] += 1
        y = top + row * outlets.index(outlet) + row / 2
        title = escape(f"{d.published[:10]} · {outlet} · {d.language or '?'} · {d.title or d.id}")  # type: ignore[index]
        parts.append(f'<a href="/articles/{quote(d.id, safe="")}"><circle cx="{x + 9 * slot:.1f}" cy="{y:.0f}" r="6" '
                     f'fill="{color[d.language or "?"]}" stroke="#fff"><title>{title}</title></circle></a>')
    ly = height + 8
    for i, lang in enumerate(languages[:10]):
        x = left + 90 * i
        parts.append(f'<circle cx="{x}" cy="{ly}" r="6" fill="{color[lang]}"/>'
                     f'<text x="{x + 10}" y="{ly + 4}" font-size="12">{escape(lang)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(counts: dict[str, int], limit: int = 10) -> list[tuple[str, int, float]]:
    """``(key, count, percent of the largest)`` for the ``limit`` largest counts (for CSS bar lists)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    top = items[0][1] if items and items[0][1] else 1
    return [(k, v, 100.0 * v / top) for k, v in items]
