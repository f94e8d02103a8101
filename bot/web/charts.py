"""Bar charts drawn as SVG on the server: no script, no library from elsewhere, readable as a table
too (each chart's page shows its numbers)."""
from __future__ import annotations

from markupsafe import Markup, escape

# Colours told apart also by people with the common colour vision deficiencies (Okabe-Ito).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 36, 48, 24


def bars(title: str, labels: list[str], series: dict[str, list[int]]) -> Markup:
    """Stacked bars, one per label, a part per series; a legend names the series."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))] or [0]
    top = max(max(totals), 1)
    inner_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - 8) / max(len(labels), 1)
    width = min(step * 0.7, 60)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
              f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'),
             f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" stroke="#555"/>',
             f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end" font-size="11">{top}</text>',
             f'<text x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end" font-size="11">0</text>']
    for i, label in enumerate(labels):
        x = LEFT + 4 + i * step + (step - width) / 2
        y = HEIGHT - BOTTOM
        for n, (name, values) in enumerate(series.items()):
            h = inner_h * values[i] / top
            if h:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                             f'fill="{COLOURS[n % len(COLOURS)]}"><title>{escape(label)}: {escape(name)} '
                             f'{values[i]}</title></rect>')
        parts.append(f'<text x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                     f'font-size="11">{escape(label[:14])}</text>')
    for n, name in enumerate(series):
        x = LEFT + n * 150
        parts.append(f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10" fill="{COLOURS[n % len(COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="{HEIGHT - 7}" font-size="11">{escape(name[:22])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
