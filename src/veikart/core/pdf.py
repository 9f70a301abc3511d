"""PDF documents from a few plain building blocks — reports, certificates, rosters.

Rendered with ReportLab (pure Python, no browser, nothing fetched at run time; see
docs/adr/0003-pdf-reports.md). A document is a list of blocks::

    from veikart.core import pdf

    content = pdf.render(
        "Kursbevis",
        [pdf.Heading("Kursbevis"), pdf.Paragraph("Kari Nordmann har fullført Teams grunnkurs."),
         pdf.Table(("Kurs", "Dato"), [("Teams grunnkurs", "03.09.2019")])],
    )

The built-in Helvetica covers Norwegian letters (æ, ø, å) and the usual punctuation
(Windows-1252); the few characters it lacks (the minus sign, ≥, M̄ …) are written with near
equivalents by :func:`printable`, so no font file has to ship or be found on the server.
Charts are ReportLab drawings (:class:`Figure`); :func:`svg` renders the same drawing as SVG for
an HTML page, so one drawing serves both.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics import renderSVG  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Table as RLTable

TEXT = colors.HexColor("#1F2C3D")
MUTED = colors.HexColor("#4D4D4D")
RULE = colors.HexColor("#D5D9DE")
ACCENT = colors.HexColor("#0062BA")
WARNING = colors.HexColor("#B3440E")

# Characters outside Windows-1252 that our texts use, and what to print instead.
_REPLACEMENTS = {
    "\u2212": "-",  # minus sign
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2248": "~",
    "\u0304": "",  # combining macron (M̄ → M)
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",
    "\u03c4": "tau",
    "\u03bb": "lambda",
}


def printable(text: str) -> str:
    """``text`` with every character the built-in PDF fonts can show (Windows-1252)."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
            continue
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            out.append(base if base and base.isascii() else "?")
    return "".join(out)


# --- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 (document title) to 3


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"  # body | lead | note | warning


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str = ""
    numeric: Sequence[int] = ()  # column indexes aligned right
    widths: Sequence[float] | None = None  # in mm; None: ReportLab decides


@dataclass(frozen=True)
class Figure:
    drawing: Any  # a reportlab.graphics.shapes.Drawing
    caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Figure | PageBreak


@dataclass(frozen=True)
class Document:
    title: str
    blocks: Sequence[Block]
    author: str = "Veikart"
    subject: str = ""
    footer: str = ""
    created: dt.datetime | None = field(default=None)


# --- rendering ------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("vk-body", parent=base["BodyText"], fontName="Helvetica",
                          fontSize=10, leading=14, textColor=TEXT, spaceAfter=6)  # fmt: skip
    return {
        "h1": ParagraphStyle("vk-h1", parent=body, fontName="Helvetica-Bold", fontSize=18,
                             leading=22, spaceAfter=10),
        "h2": ParagraphStyle("vk-h2", parent=body, fontName="Helvetica-Bold", fontSize=13,
                             leading=17, spaceBefore=10, spaceAfter=6),
        "h3": ParagraphStyle("vk-h3", parent=body, fontName="Helvetica-Bold", fontSize=11,
                             leading=14, spaceBefore=6, spaceAfter=4),
        "body": body,
        "lead": ParagraphStyle("vk-lead", parent=body, fontSize=12, leading=16,
                               textColor=ACCENT, spaceAfter=8),
        "note": ParagraphStyle("vk-note", parent=body, fontSize=8.5, leading=11,
                               textColor=MUTED),
        "warning": ParagraphStyle("vk-warning", parent=body, textColor=WARNING,
                                  borderColor=WARNING, borderWidth=0.8, borderPadding=5,
                                  spaceBefore=4, spaceAfter=10),
        "cell": ParagraphStyle("vk-cell", parent=body, fontSize=8.5, leading=10.5,
                               spaceAfter=0),
        "cell-right": ParagraphStyle("vk-cell-r", parent=body, fontSize=8.5, leading=10.5,
                                     spaceAfter=0, alignment=2),
        "caption": ParagraphStyle("vk-caption", parent=body, fontName="Helvetica-Bold",
                                  fontSize=9, spaceAfter=3),
    }  # fmt: skip


def _text(text: str) -> str:
    return escape(printable(text))


def _flowables(blocks: Sequence[Block], styles: dict[str, ParagraphStyle]) -> list[Any]:
    from reportlab.platypus import PageBreak as RLPageBreak

    story: list[Any] = []
    for block in blocks:
        if isinstance(block, Heading):
            story.append(RLParagraph(_text(block.text), styles[f"h{min(max(block.level, 1), 3)}"]))
        elif isinstance(block, Paragraph):
            story.append(RLParagraph(_text(block.text), styles.get(block.style, styles["body"])))
        elif isinstance(block, Table):
            story.append(_table(block, styles))
        elif isinstance(block, Figure):
            parts: list[Any] = []
            if block.caption:
                parts.append(RLParagraph(_text(block.caption), styles["caption"]))
            parts.append(block.drawing)
            parts.append(Spacer(1, 4 * mm))
            story.append(KeepTogether(parts))
        elif isinstance(block, PageBreak):
            story.append(RLPageBreak())
    return story


def _table(block: Table, styles: dict[str, ParagraphStyle]) -> Any:
    def cell(text: str, column: int, header: bool = False) -> Any:
        style = styles["cell-right"] if column in block.numeric else styles["cell"]
        markup = _text(text)
        return RLParagraph(f"<b>{markup}</b>" if header else markup, style)

    data = [[cell(h, j, True) for j, h in enumerate(block.header)]]
    data += [[cell(str(v), j) for j, v in enumerate(row)] for row in block.rows]
    widths = [w * mm for w in block.widths] if block.widths else None
    table = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, TEXT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))  # fmt: skip
    parts: list[Any] = []
    if block.caption:
        parts.append(RLParagraph(_text(block.caption), styles["caption"]))
    parts += [table, Spacer(1, 4 * mm)]
    return KeepTogether(parts) if len(block.rows) < 25 else parts


def render(document: Document) -> bytes:
    """The document as PDF bytes (A4, numbered pages, the footer on every page)."""
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title=printable(document.title), author=printable(document.author),
        subject=printable(document.subject), creator="Veikart",
    )  # fmt: skip
    footer = printable(document.footer)

    def decorate(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    story: list[Any] = []
    for flowable in _flowables(document.blocks, styles):
        story.extend(flowable if isinstance(flowable, list) else [flowable])
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def svg(drawing: Drawing) -> str:
    """The drawing as an SVG document (for HTML pages), without the XML prolog."""
    text: str = renderSVG.drawToString(drawing)
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
