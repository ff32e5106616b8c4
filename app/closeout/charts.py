"""Budget against spending per budget line as a server-side SVG (the close-out page and its PDF alike).

Horizontal bars, two per line (budget, spent; spent is red where it went over the budget),
with the line's name on the left and the amounts at the bars' ends. Same conventions as
``app.disclosure.charts``: presentation attributes only, a ``viewBox`` with ``width="100%"``,
a CJK font stack, every text escaped. Amounts are integer fen; coordinates are floats.
"""

from markupsafe import Markup, escape

from app.disclosure.charts import FONT_FAMILY, GRID, INK, MUTED, nice_step, text_width, yuan_tick

BUDGET_COLOR, SPENT_COLOR, OVER_COLOR = "#9fb3c8", "#2f6fd6", "#c53030"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _fit(text: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis so it fits ``width`` at ``size``."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def budget_vs_spent(lines, *, title: str, budget_label: str, spent_label: str, over_label: str, empty_text: str,
                    chart_id: str = "budget-chart", width: int = 480, font_size: int = 11) -> Markup:
    """``lines``: objects with ``key``, ``item``, ``budget_fen`` and ``spent_fen`` (``LineMoney``)."""
    small = font_size * 0.9
    top_value = max([max(line.budget_fen, line.spent_fen) for line in lines] or [0])
    step = nice_step(top_value if top_value > 0 else 10_000)
    top = max(-(-top_value // step) * step, step)
    label_width = min(width * 0.34, 8 + max([text_width(f"{i}. {line.item}", small) for i, line in
                                             enumerate(lines, 1)] or [0]))
    amount_width = text_width(yuan_tick(top, 1), small) + 8
    left, right = 8 + label_width + 6, 8 + amount_width
    plot_width = width - left - right
    bar, gap, row = font_size * 0.9, 1.5, font_size * 2.9
    legend_y = font_size * 1.2
    head = legend_y + font_size * 1.2

    def x_of(fen: int) -> float:
        return left + plot_width * fen / top

    parts = [f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    offset = left
    for label, color in ((budget_label, BUDGET_COLOR), (spent_label, SPENT_COLOR), (over_label, OVER_COLOR)):
        parts.append(f'<rect x="{_num(offset)}" y="{_num(legend_y - font_size * 0.8)}" width="{_num(font_size * 0.8)}" '
                     f'height="{_num(font_size * 0.8)}" fill="{color}"/>')
        parts.append(f'<text x="{_num(offset + font_size * 1.1)}" y="{_num(legend_y)}" fill="{INK}" '
                     f'font-size="{_num(small)}">{escape(label)}</text>')
        offset += font_size * 1.1 + text_width(label, small) + font_size * 1.2
    plot_bottom = head + row * max(len(lines), 1)
    for tick in range(0, top + 1, step):
        x = _num(x_of(tick))
        parts.append(f'<line x1="{x}" x2="{x}" y1="{_num(head)}" y2="{_num(plot_bottom)}" '
                     f'stroke="{INK if tick == 0 else GRID}" stroke-width="{1 if tick == 0 else 0.6}"/>')
        parts.append(f'<text x="{x}" y="{_num(plot_bottom + font_size * 1.2)}" text-anchor="middle" fill="{MUTED}" '
                     f'font-size="{_num(small)}">{escape(yuan_tick(tick, step))}</text>')
    if not lines:
        parts.append(f'<text x="{_num(left + plot_width / 2)}" y="{_num(head + row / 2)}" text-anchor="middle" '
                     f'fill="{MUTED}" font-size="{font_size}">{escape(empty_text)}</text>')
    for index, line in enumerate(lines):
        y = head + row * index + (row - 2 * bar - gap) / 2
        parts.append(f'<text x="8" y="{_num(y + bar + gap / 2)}" dy="0.35em" fill="{INK}" font-size="{_num(small)}">'
                     f"{escape(_fit(f'{index + 1}. {line.item}', small, label_width))}</text>")
        over = line.spent_fen > line.budget_fen
        for series, value, color, top_y in (("budget", line.budget_fen, BUDGET_COLOR, y),
                                            ("spent", line.spent_fen, OVER_COLOR if over else SPENT_COLOR,
                                             y + bar + gap)):
            label = budget_label if series == "budget" else spent_label
            parts.append(f'<rect class="seg" data-series="{series}" data-line="{escape(line.key)}" '
                         f'x="{_num(left)}" y="{_num(top_y)}" width="{_num(max(x_of(value) - left, 0.5 if value else 0))}" '
                         f'height="{_num(bar)}" fill="{color}"><title>{escape(line.item)} {escape(label)}：'
                         f"{escape(yuan_tick(value, 1))}</title></rect>")
            parts.append(f'<text x="{_num(x_of(value) + 3)}" y="{_num(top_y + bar / 2)}" dy="0.35em" fill="{MUTED}" '
                         f'font-size="{_num(small * 0.95)}">{escape(yuan_tick(value, 1))}</text>')
    height = plot_bottom + font_size * 2
    opening = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
               f'aria-labelledby="{escape(chart_id)}-title" viewBox="0 0 {width} {_num(height)}" width="100%" '
               f'preserveAspectRatio="xMidYMid meet" font-family="{escape(FONT_FAMILY)}">')
    return Markup(opening + "".join(parts) + "</svg>")
