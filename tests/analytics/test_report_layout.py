"""Issue 29, fault 13: the report's charts printed whole — every title and label inside its chart, every chart
inside the page's content box and on one page, all the kecamatan in the per-kecamatan charts — and nothing
else past the page's right edge, no table row split over two pages.

pypdf's text sees clipped text as well as the rest, so these tests read WeasyPrint's layout (where each chart's
box lies on which page) and measure every text of each chart's SVG in the font WeasyPrint prints it with; when
``pdftoppm`` is on the machine, the printed pages are also rasterised and each chart's edge must be free of ink.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import pytest
import weasyprint
from PIL import Image
from sqlalchemy import select
from weasyprint.formatting_structure import boxes

from geo112.analytics.report import Period, report_html
from geo112.store.db import session_factory
from geo112.store.models import Jurisdiction, Kecamatan

SVG = "{http://www.w3.org/2000/svg}"
#: How far (CSS px) a text may reach past its chart's edge: rounding, not clipping.
SLACK = 0.5
#: Grey level (0 black, 255 white) darker than the lightest grid line (#ddd), taken for ink on a chart's edge.
INK = 200


@pytest.fixture(scope="module")
def html(history, demo: str, fleet) -> str:
    """The report of the synthetic history's year, as printed (without a simulation, as the web page asks it)."""
    with session_factory(demo)() as session:
        return report_html(session, fleet, Period(date(2025, 1, 1), date(2025, 12, 31)))


@pytest.fixture(scope="module")
def document(html: str) -> weasyprint.Document:
    """The report laid out in pages by WeasyPrint, as :func:`geo112.analytics.report.report_pdf` prints it."""
    return weasyprint.HTML(string=html).render()


@pytest.fixture(scope="module")
def kecamatan(demo: str) -> list[str]:
    """The kecamatan of the regency the call centre serves (not the Kota enclave's)."""
    with session_factory(demo)() as session:
        served = select(Kecamatan.name).join(Jurisdiction).where(Jurisdiction.served)
        return list(session.scalars(served))


def _charts(html: str) -> list[ET.Element]:
    """Each chart's SVG, in the order the report prints them."""
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)]


@dataclass(frozen=True)
class Text:
    """One SVG text: its string and font, its anchor point in the chart, the part of its width before the
    anchor (0 start, ½ middle, 1 end) and its direction in degrees (clockwise, as SVG's rotate)."""

    string: str
    font: tuple[str, str, str]
    x: float
    y: float
    before: float
    angle: float


def _transform(value: str | None) -> tuple[float, float, float]:
    """(dx, dy, angle) of a Vega SVG transform: ``translate(x,y)`` then an optional ``rotate(a)``."""
    moved = re.search(r"translate\(([-\d.e]+),\s*([-\d.e]+)\)", value or "")
    turned = re.search(r"rotate\(([-\d.e]+)\)", value or "")
    return (float(moved[1]) if moved else 0.0, float(moved[2]) if moved else 0.0, float(turned[1]) if turned else 0.0)


def _texts(node: ET.Element, x: float = 0.0, y: float = 0.0) -> Iterator[Text]:
    for child in node:
        dx, dy, angle = _transform(child.get("transform"))
        if child.tag == f"{SVG}g":
            yield from _texts(child, x + dx, y + dy)
        elif child.tag == f"{SVG}text":
            font = (child.get("font-family", ""), child.get("font-size", ""), child.get("font-weight", "normal"))
            anchor = {"start": 0.0, "middle": 0.5, "end": 1.0}[child.get("text-anchor", "start")]
            lines = [t.text or "" for t in child.iter(f"{SVG}tspan")] or [child.text or ""]
            yield from (Text(line, font, x + dx, y + dy, anchor, angle) for line in lines if line.strip())


def _widths(texts: list[Text]) -> list[float]:
    """Each text's width (CSS px, as a chart's SVG user unit is printed) in its font, laid out by WeasyPrint."""
    spans = "".join(
        f'<div><span data-i="{i}" style="display: inline-block; white-space: pre; font-family: {t.font[0]};'
        f' font-size: {t.font[1]}; font-weight: {t.font[2]}">{escape(t.string)}</span></div>'
        for i, t in enumerate(texts)
    )
    widths = [-1.0] * len(texts)
    for page in weasyprint.HTML(string=f"<body>{spans}</body>").render().pages:
        for box in page._page_box.descendants():
            if box.element_tag == "span" and isinstance(box, boxes.InlineBlockBox):
                widths[int(box.element.get("data-i"))] = box.border_width()
    assert min(widths, default=0) >= 0, "a text was not laid out"
    return widths


def _sticking_out(chart: ET.Element) -> list[str]:
    """The texts of a chart that reach past its edges as WeasyPrint prints them, with where they end."""
    width, height = float(chart.get("width", 0)), float(chart.get("height", 0))
    texts = list(_texts(chart))
    out = []
    for text, w in zip(texts, _widths(texts), strict=True):
        turn = {0.0: (1, 0), 90.0: (0, 1), 180.0: (-1, 0), 270.0: (0, -1)}[text.angle % 360]
        ends = [(text.x + turn[0] * w * f, text.y + turn[1] * w * f) for f in (-text.before, 1 - text.before)]
        if not all(-SLACK <= ex <= width + SLACK and -SLACK <= ey <= height + SLACK for ex, ey in ends):
            out.append(f"{text.string!r} spans {ends[0][0]:.0f},{ends[0][1]:.0f}–{ends[1][0]:.0f},{ends[1][1]:.0f}")
    return out


def test_every_chart_text_lies_inside_its_chart_as_printed(html: str) -> None:
    charts = _charts(html)
    assert len(charts) >= 8
    cut = [f"chart {i}: {text}" for i, chart in enumerate(charts) for text in _sticking_out(chart)]
    assert not cut, "\n".join(cut)


def test_the_per_kecamatan_charts_name_every_kecamatan(html: str, kecamatan: list[str]) -> None:
    assert len(kecamatan) == 18
    for title in ("Kejadian per kecamatan dan kategori", "Penduduk terjangkau per kecamatan"):
        chart = next(c for c in _charts(html) if any(t.string.startswith(title) for t in _texts(c)))
        labels = {t.string for t in _texts(chart)}
        assert set(kecamatan) <= labels, (title, set(kecamatan) - labels)


@dataclass(frozen=True)
class Placed:
    """A chart as WeasyPrint lays it out: its page (from 0) and its box, and the page's content box (CSS px)."""

    page: int
    box: tuple[float, float, float, float]
    content: tuple[float, float, float, float]


def _svg_boxes(box: boxes.Box, chart: int | None, seen: list[object]) -> Iterator[tuple[int, boxes.Box]]:
    """The SVG boxes under ``box`` with the number of the ``div.chart`` each lies in (print order)."""
    if box.element is not None and box.element_tag == "div" and "chart" in (box.element.get("class") or "").split():
        if box.element not in seen:
            seen.append(box.element)
        chart = seen.index(box.element)
    if box.element_tag == f"{SVG}svg":
        assert chart is not None, "a chart outside div.chart"
        yield chart, box
    for child in getattr(box, "children", []):
        yield from _svg_boxes(child, chart, seen)


def _placed(document: weasyprint.Document) -> dict[int, list[Placed]]:
    """Every chart's SVG box per chart: one box unless the chart is split over pages."""
    out: dict[int, list[Placed]] = {}
    seen: list[object] = []
    for number, page in enumerate(document.pages):
        frame = page._page_box  # WeasyPrint's layout: its public API gives links and anchors, not the boxes
        content = (frame.content_box_x(), frame.content_box_y(), frame.width, frame.height)
        for chart, box in _svg_boxes(frame, None, seen):
            placed = Placed(number, (box.position_x, box.position_y, box.margin_width(), box.margin_height()), content)
            out.setdefault(chart, []).append(placed)
    return out


def test_every_chart_lies_whole_on_one_page_inside_its_content_box(html: str, document: weasyprint.Document) -> None:
    placed = _placed(document)
    assert len(placed) == len(_charts(html))
    for chart, places in placed.items():
        assert len(places) == 1, f"chart {chart} is split over pages {[p.page + 1 for p in places]}"
        (x, y, w, h), (cx, cy, cw, ch) = places[0].box, places[0].content
        assert cx - SLACK <= x and x + w <= cx + cw + SLACK, f"chart {chart} is {w:.0f} px wide, the page {cw:.0f}"
        assert cy - SLACK <= y and y + h <= cy + ch + SLACK, (
            f"chart {chart} reaches {y + h - cy:.0f} px down page {places[0].page + 1}, the page {ch:.0f}"
        )


def test_nothing_reaches_past_the_pages_right_edge(document: weasyprint.Document) -> None:
    """The agencies' table (ten columns, long agency names) ran past the page's right edge and lost its last."""
    past: dict[str, float] = {}
    for number, page in enumerate(document.pages):
        frame = page._page_box
        right = frame.content_box_x() + frame.width
        flow = [box for box in frame.children if not isinstance(box, boxes.MarginBox)]  # not the page number
        for box in (box for root in flow for box in root.descendants()):
            where, reach = f"<{box.element_tag}> on page {number + 1}", box.position_x + box.margin_width() - right
            if reach > SLACK:
                past[where] = max(past.get(where, 0.0), reach)
    assert not past, "\n".join(f"{where} reaches {reach:.0f} px past it" for where, reach in past.items())


def test_no_table_row_is_split_over_two_pages(document: weasyprint.Document) -> None:
    """A split row printed an agency's figures at one page's bottom and its name atop the next."""
    pages: dict[object, set[int]] = {}
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TableRowGroupBox) and not box.is_header:  # headers repeat on each page
                for row in box.children:
                    pages.setdefault(row.element, set()).add(number + 1)
    split = [sorted(numbers) for numbers in pages.values() if len(numbers) > 1]
    assert pages and not split, f"rows split over pages {split}"


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (scripts/install.sh installs poppler-utils)"
)
def test_the_printed_charts_have_no_ink_on_their_edges(document: weasyprint.Document, tmp_path: Path) -> None:
    """Text clipped by its chart's edge leaves ink on the edge; Vega pads every chart, so nothing else does."""
    (tmp_path / "report.pdf").write_bytes(document.write_pdf())
    subprocess.run(["pdftoppm", "-r", "96", "-png", "report.pdf", "page"], cwd=tmp_path, check=True)
    pages = sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    inked = []
    for chart, places in _placed(document).items():
        for place in places:
            image = Image.open(pages[place.page]).convert("L")
            x, y, w, h = (round(v) for v in place.box)  # 96 dpi: one CSS px is one pixel
            x, y, w, h = max(x, 0), max(y, 0), min(w, image.width - x), min(h, image.height - y)
            edges = [
                (x, y, x + w, y + 2),
                (x, y + h - 2, x + w, y + h),
                (x, y, x + 2, y + h),
                (x + w - 2, y, x + w, y + h),
            ]
            if min(image.crop(edge).getextrema()[0] for edge in edges) < INK:
                inked.append(f"chart {chart} on page {place.page + 1}")
    assert not inked
