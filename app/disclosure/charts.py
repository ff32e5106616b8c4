"""A small server-side SVG builder: stacked bar charts of money, for web pages and PDFs alike.

Pure Python, no Flask: the caller passes translated labels and gets ``Markup``. The SVG
uses presentation attributes only (no ``style``, so the page's Content-Security-Policy
allows it), a ``viewBox`` with ``width="100%"`` (it scales to a phone or to A4 in
WeasyPrint) and a CJK font stack. Every piece of text is escaped. Amounts are integer fen;
coordinates are floats, which is fine for drawing.
"""

import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT_FAMILY = "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', system-ui, sans-serif"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#d9e2ec"


@dataclass(frozen=True)
class Series:
    """One layer of the stacks: a label, a colour and one value (fen) per bar."""

    key: str
    label: str
    color: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Bar:
    """One bar: its key (e.g. ``2026-11``), its label under the axis and an optional second line."""

    key: str
    label: str
    sublabel: str = ""


def text_width(text: str, size: float) -> float:
    """Rough rendered width: wide (CJK) characters one em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def nice_step(span_fen: int, ticks: int = 4) -> int:
    """A round tick step in fen (1, 2 or 5 times a power of ten) giving about ``ticks`` intervals."""
    raw = max(1, -(-span_fen // ticks))
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= raw:
                return factor * power
        power *= 10


def yuan_tick(fen: int, step_fen: int) -> str:
    """A tick label in yuan: ``12,000`` (whole yuan when the step allows), ``0.50`` otherwise."""
    sign = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), 100)
    if step_fen % 100 == 0:
        return f"{sign}{yuan:,}"
    return f"{sign}{yuan:,}.{rest:02d}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attrs(**attributes) -> str:
    return "".join(f' {name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in attributes.items())


def stacked_bars(bars: list[Bar], series: list[Series], *, title: str, axis_label: str, empty_text: str,
                 amount_text=lambda fen: yuan_tick(fen, 1), chart_id: str = "chart", width: int = 480,
                 plot_height: int = 190, font_size: int = 12) -> Markup:
    """A stacked bar chart: one bar per entry of ``bars``, one coloured layer per series, with a legend.

    Positive values stack up from zero, negative ones (a reversal booked in a later month)
    down from it. ``amount_text(fen)`` formats amounts in the tooltips.
    """
    if any(len(one.values) != len(bars) for one in series):
        raise ValueError("every series needs one value per bar")
    highs = [sum(max(one.values[index], 0) for one in series) for index in range(len(bars))]
    lows = [sum(min(one.values[index], 0) for one in series) for index in range(len(bars))]
    top, bottom = max(highs, default=0), min(lows, default=0)
    step = nice_step(top - bottom if top != bottom else 10_000)
    top = -(-top // step) * step if top > 0 else 0
    bottom = (bottom // step) * step if bottom < 0 else 0
    if top == bottom:
        top = step * 4
    ticks = list(range(bottom, top + 1, step))

    small = font_size * 0.9
    left = 8 + max(text_width(yuan_tick(tick, step), small) for tick in ticks) + 6
    right, head = 8.0, font_size * 2.4
    plot_width = width - left - right
    slot = plot_width / max(len(bars), 1)
    bar_width = slot * 0.62

    def y_of(fen: int) -> float:
        return head + plot_height * (top - fen) / (top - bottom)

    parts = [f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<text x="{_num(left)}" y="{_num(font_size * 1.1)}" fill="{MUTED}" font-size="{_num(small)}">'
             f"{escape(axis_label)}</text>"]
    for tick in ticks:
        y = _num(y_of(tick))
        parts.append(f'<line x1="{_num(left)}" x2="{_num(width - right)}" y1="{y}" y2="{y}" '
                     f'stroke="{INK if tick == 0 else GRID}" stroke-width="{1 if tick == 0 else 0.6}"/>')
        parts.append(f'<text x="{_num(left - 6)}" y="{y}" dy="0.35em" text-anchor="end" fill="{MUTED}" '
                     f'font-size="{_num(small)}">{escape(yuan_tick(tick, step))}</text>')

    axis_y = head + plot_height
    for index, bar in enumerate(bars):
        x = left + slot * index + (slot - bar_width) / 2
        segments = []
        up = down = 0
        for one in series:
            value = one.values[index]
            if value == 0:
                continue
            start, up, down = (up, up + value, down) if value > 0 else (down, up, down + value)
            end = start + value
            y1, y2 = sorted((y_of(start), y_of(end)))
            segments.append(f'<rect class="seg"{_attrs(data_series=one.key)} x="{_num(x)}" y="{_num(y1)}" '
                            f'width="{_num(bar_width)}" height="{_num(max(y2 - y1, 0.5))}" fill="{escape(one.color)}">'
                            f"<title>{escape(bar.label)} {escape(one.label)}：{escape(amount_text(value))}</title>"
                            f"</rect>")
        parts.append(f'<g class="bar"{_attrs(data_bar=bar.key)}>{"".join(segments)}</g>')
        centre = _num(x + bar_width / 2)
        parts.append(f'<text x="{centre}" y="{_num(axis_y + font_size * 1.3)}" text-anchor="middle" fill="{INK}" '
                     f'font-size="{_num(small)}">{escape(bar.label)}</text>')
        if bar.sublabel:
            parts.append(f'<text x="{centre}" y="{_num(axis_y + font_size * 2.5)}" text-anchor="middle" '
                         f'fill="{MUTED}" font-size="{_num(small * 0.9)}">{escape(bar.sublabel)}</text>')

    legend_top = axis_y + font_size * 3.6
    if not any(any(one.values) for one in series):
        parts.append(f'<text x="{_num(left + plot_width / 2)}" y="{_num(head + plot_height / 2)}" '
                     f'text-anchor="middle" fill="{MUTED}" font-size="{font_size}">{escape(empty_text)}</text>')
        legend_rows = []
    else:
        legend_rows = _legend_rows([one for one in series if any(one.values)], width - left - right, font_size)
    line = font_size * 1.6
    for row_index, row in enumerate(legend_rows):
        y = legend_top + row_index * line
        for offset, one in row:
            x = left + offset
            parts.append(f'<rect x="{_num(x)}" y="{_num(y - font_size * 0.8)}" width="{font_size * 0.8:.1f}" '
                         f'height="{font_size * 0.8:.1f}" fill="{escape(one.color)}"/>')
            parts.append(f'<text x="{_num(x + font_size * 1.1)}" y="{_num(y)}" fill="{INK}" '
                         f'font-size="{font_size}">{escape(one.label)}</text>')
    height = legend_top + len(legend_rows) * line + (0 if legend_rows else -font_size)
    opening = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
               f'aria-labelledby="{escape(chart_id)}-title" viewBox="0 0 {width} {_num(height)}" width="100%" '
               f'preserveAspectRatio="xMidYMid meet" font-family="{escape(FONT_FAMILY)}">')
    return Markup(opening + "".join(parts) + "</svg>")


def _legend_rows(series: list[Series], available: float, font_size: int) -> list[list[tuple[float, Series]]]:
    """Legend entries laid out left to right, wrapping to a new row when one would not fit."""
    rows: list[list[tuple[float, Series]]] = [[]]
    offset = 0.0
    for one in series:
        item = font_size * 1.1 + text_width(one.label, font_size) + font_size * 1.2
        if rows[-1] and offset + item > available:
            rows.append([])
            offset = 0.0
        rows[-1].append((offset, one))
        offset += item
    return rows
