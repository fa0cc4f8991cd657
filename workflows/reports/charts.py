"""Server-rendered SVG charts: no JavaScript library and no network, so the dashboard renders
anywhere (and exactly the same in tests). Labels are escaped; values are Decimals."""
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#ef6c00"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 70, 40, 16


def _scale(values):
    top = max([Decimal(v) for v in values] + [Decimal("0")])
    return top if top > 0 else Decimal("1")


def _fmt(value):
    return f"{Decimal(value):,.2f}"


def _frame(body, title):
    return mark_safe(
        f'<svg class="qq-chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - 10}" y2="{HEIGHT - BOTTOM}" stroke="#9e9e9e"/>'
        f'{body}</svg>')


def bar_chart(pairs, title="bar chart"):
    """pairs: [(label, amount)] → one bar per pair, its amount as a tooltip and a data attribute."""
    if not pairs:
        return _frame("", title)
    top = _scale([v for _l, v in pairs])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 10) / len(pairs)
    parts = [f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="10">{_fmt(top)}</text>']
    for i, (label, value) in enumerate(pairs):
        h = float(Decimal(value) / top) * plot_h if value else 0.0
        x = LEFT + i * slot + slot * 0.15
        y = HEIGHT - BOTTOM - h
        parts.append(
            f'<rect class="qq-bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS[0]}" data-label="{escape(label)}" data-value="{Decimal(value):.2f}">'
            f'<title>{escape(label)}: {_fmt(value)}</title></rect>'
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
            f'font-size="10">{escape(label)}</text>')
    return _frame("".join(parts), title)


def line_chart(points, series_names, title="line chart"):
    """points: [(label, [value per series])] → one polyline per series, with a legend."""
    if not points:
        return _frame("", title)
    top = _scale([v for _l, values in points for v in values])
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 20) / max(len(points) - 1, 1)
    parts = [f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="10">{_fmt(top)}</text>']
    for s, name in enumerate(series_names):
        coords = []
        for i, (_label, values) in enumerate(points):
            x = LEFT + 10 + i * step
            y = HEIGHT - BOTTOM - float(Decimal(values[s]) / top) * plot_h
            coords.append(f"{x:.1f},{y:.1f}")
        colour = COLOURS[s % len(COLOURS)]
        parts.append(f'<polyline class="qq-line" fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{" ".join(coords)}" data-series="{escape(name)}"/>')
        parts.append(f'<rect x="{LEFT + 10 + s * 110}" y="2" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{LEFT + 24 + s * 110}" y="11" font-size="11">{escape(name)}</text>')
    for i, (label, _values) in enumerate(points):
        parts.append(f'<text x="{LEFT + 10 + i * step:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                     f'font-size="10">{escape(label)}</text>')
    return _frame("".join(parts), title)
