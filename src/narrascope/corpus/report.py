"""A self-contained HTML report of a stored corpus: inline SVG charts and tables, no scripts, no external files.

Sections: narrative totals (every document, dated or not), narratives over time (weekly, syndicated copies counted
once), documents by outlet and by language, top storylines, entity roles, surge alerts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from html import escape

from narrascope.corpus.entities import entity_framing
from narrascope.corpus.trends import SURGE_RULE, trends
from narrascope.sentences import shorten
from narrascope.store.base import DocumentQuery, Store

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _week(day: str) -> str:
    d = date.fromisoformat(day)
    return date.fromisocalendar(*d.isocalendar()[:2], 1).isoformat()


def line_chart(series: dict[str, dict[str, int]], width: int = 1100, height: int = 320) -> str:
    """Inline SVG lines, one per key, over the sorted union of x values; legend below."""
    xs = sorted({x for s in series.values() for x in s})
    if not xs:
        return "<p>No dated documents.</p>"
    top = max((v for s in series.values() for v in s.values()), default=1) or 1
    pad_l, pad_b, plot_h = 50, 30, height - 40
    step = (width - pad_l - 10) / max(len(xs) - 1, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 22 * len(series)}" role="img">']
    for i in range(5):
        y = 10 + plot_h * i / 4
        parts.append(f'<line x1="{pad_l}" y1="{y:.0f}" x2="{width - 10}" y2="{y:.0f}" stroke="#ddd"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4:.0f}" text-anchor="end" font-size="11">{top * (4 - i) / 4:.0f}</text>')
    for j, x in enumerate(xs):
        if j % max(len(xs) // 10, 1) == 0:
            parts.append(f'<text x="{pad_l + j * step:.0f}" y="{10 + plot_h + 18}" font-size="11" text-anchor="middle">{escape(x)}</text>')
    for k, (key, values) in enumerate(series.items()):
        color = COLORS[k % len(COLORS)]
        points = " ".join(f"{pad_l + j * step:.1f},{10 + plot_h * (1 - values.get(x, 0) / top):.1f}" for j, x in enumerate(xs))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        ly = height + 22 * k + 10
        parts.append(f'<rect x="{pad_l}" y="{ly - 9}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{pad_l + 18}" y="{ly + 2}" font-size="12">{escape(key)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(counts: dict[str, int], width: int = 520) -> str:
    """Inline SVG horizontal bars, largest first."""
    if not counts:
        return "<p>No data.</p>"
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    top = items[0][1] or 1
    label_w, row = 170, 22
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(items) + 6}" role="img">']
    for i, (key, value) in enumerate(items):
        y = i * row + 3
        w = (width - label_w - 50) * value / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" text-anchor="end">{escape(shorten(str(key), 26))}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{COLORS[0]}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def listing(items: list[str], shown: int = 3) -> str:
    """``a, b, c and 4 more``."""
    head = ", ".join(items[:shown])
    return f"{head} and {len(items) - shown} more" if len(items) > shown else head


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if rows else "<p>None.</p>"


def _period(first: str | None, last: str | None) -> str:
    if not first and not last:
        return "undated"
    return f"{first or '?'} – {last or '?'}"


def render_report(store: Store, since: str | None = None, until: str | None = None, top: int = 6) -> str:
    """The report as one HTML string."""
    rows, surges = trends(store, "narrative", since, until)
    weekly: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        weekly[r.key][_week(r.day)] += r.count
    leaders = sorted(weekly, key=lambda k: -sum(weekly[k].values()))[:top]
    period = DocumentQuery(since=since, until=until)  # totals count every article, dated or not
    outlets = store.count_by("outlet", period)
    languages = store.count_by("language", period)
    totals = store.label_counts("narrative", period)
    days = store.daily_totals(since, until)
    dates = f"Published {escape(min(days))} – {escape(max(days))}" if days else "No document has a publication date"
    stories = []
    for s in store.storylines(limit=10).items:
        full = store.get_storyline(s.id)
        if full:
            stories.append([shorten(full.title, 90), full.size, _period(full.first_seen, full.last_seen),
                            listing(list(full.narratives), 2) or "—", listing(list(full.outlets)), ", ".join(full.languages)])
    roles = [[f.entity, f.documents, ", ".join(f"{r} {n}" for r, n in f.roles.items()), f"{f.main_role} {f.share:.0%}"]
             for f in entity_framing(store, since=since, until=until, limit=15)]
    total, unique = store.count_documents(), store.count_documents(include_duplicates=False)
    unique_in_period = store.query_documents(DocumentQuery(since=since, until=until, limit=1)).total
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>narrascope corpus report</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1160px}}h2{{border-bottom:1px solid #ccc}}
table{{border-collapse:collapse;font-size:13px;width:100%}}td,th{{border:1px solid #ddd;padding:4px 6px;text-align:left}}
.row{{display:flex;gap:40px;flex-wrap:wrap}}</style></head><body>
<h1>narrascope corpus report</h1>
<p>{total} documents, {unique} after counting syndicated copies once; {len(store.duplicates())} copies.
{dates}{" (filtered: " + escape(since or "…") + " – " + escape(until or "…") + ")" if since or until else ""}.</p>
<h2>Narratives (documents carrying each, syndicated copies counted once)</h2>
{_table(["narrative", "documents", "share"], [[k, n, f"{n / unique_in_period:.0%}" if unique_in_period else "–"] for k, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))])}
<h2>Narratives over time (documents per week)</h2>{line_chart({k: dict(weekly[k]) for k in leaders})}
<div class="row"><div><h2>By outlet</h2>{bar_chart(dict(outlets))}</div><div><h2>By language</h2>{bar_chart(dict(languages))}</div></div>
<h2>Surge alerts</h2><p>{SURGE_RULE}</p>
{_table(["since", "to", "narrative", "documents", "expected", "share", "baseline share", "p"], [[s.since, s.day, s.key, s.count, f"{s.expected:.1f}", f"{s.share:.2f}", f"{s.baseline:.2f}", f"{s.p_value:.1g}"] for s in surges[-20:]])}
<h2>Top storylines</h2>{_table(["title", "documents", "period", "narratives", "outlets", "languages"], stories)}
<h2>Entity roles (documents, each by the role of most of the entity's mentions in it)</h2>{_table(["entity", "documents", "cast as", "mostly"], roles)}
</body></html>
"""
