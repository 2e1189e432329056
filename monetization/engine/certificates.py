"""Licence certificates as PDF (reportlab). Plain values in, PDF bytes out; no database access here."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@dataclass(frozen=True)
class CertificateData:
    label_name: str
    licensee: str
    subject: str  # "Rainy Window — Mello" or "Sample pack: Dusk Keys"
    isrc: str  # empty for sample packs
    tier_name: str  # "Creator licence", as `LicenceTier.licence_name` spells it
    terms_version: int
    terms_text: str
    issued_on: date
    code: str
    verification_url: str


def _qr(url: str, size_mm: float = 32) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    size = size_mm * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def certificate_pdf(data: CertificateData) -> bytes:
    """Render the certificate: the facts table and a QR code of the verification URL on page 1, the full
    terms of the version sold on the following pages. Deterministic for the same data (no timestamps shown
    other than the issue date)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"Licence certificate {data.code}",
        author=data.label_name,
        subject=data.subject,
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=9, leading=12)
    terms_style = ParagraphStyle("terms", parent=styles["BodyText"], fontSize=9.5, leading=13)
    facts = [
        ("Licence code", data.code),
        ("Licensee", data.licensee),
        ("Licensed work", data.subject),
        ("ISRC", data.isrc or "—"),
        ("Licence tier", data.tier_name),
        ("Terms version", f"v{data.terms_version}"),
        ("Date of issue", data.issued_on.strftime("%d %B %Y")),
        ("Verify at", data.verification_url),
    ]
    table = Table(
        [[Paragraph(f"<b>{escape(k)}</b>", small), Paragraph(escape(v), small)] for k, v in facts],
        colWidths=[40 * mm, 130 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story = [
        Paragraph(escape(data.label_name), styles["Title"]),
        Paragraph("Licence certificate", styles["Heading2"]),
        Spacer(1, 4 * mm),
        Paragraph(
            f"This certifies that <b>{escape(data.licensee)}</b> holds a <b>{escape(data.tier_name)}</b> "
            f"for <b>{escape(data.subject)}</b>, under the terms (version {data.terms_version}) "
            "printed on the following pages.",
            styles["BodyText"],
        ),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 8 * mm),
        _qr(data.verification_url),
        Paragraph(
            "Scan or open the address above to check that this licence is valid. The check shows the "
            "work, the tier and whether the licence is valid, never the licensee's details.",
            small,
        ),
        PageBreak(),
        Paragraph(f"Licence terms — {escape(data.tier_name)}, version {data.terms_version}", styles["Heading2"]),
    ]
    for paragraph in data.terms_text.split("\n\n"):
        lines = [escape(line) for line in paragraph.strip().splitlines()]
        if lines:
            story.append(Paragraph("<br/>".join(lines), terms_style))
            story.append(Spacer(1, 3 * mm))
    doc.build(story)
    return buffer.getvalue()
