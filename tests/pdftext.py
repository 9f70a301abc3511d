"""Read the text a PDF of Veikart's shows, independently of the writer (veikart.core.pdf)."""

from __future__ import annotations

import base64
import re
import zlib


def pdf_text(data: bytes) -> str:
    """The text shown by a PDF's content streams: every stream inflated, then the strings of its
    text operators, with escaped characters decoded."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    shown = []
    pattern = rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream"
    for match in re.finditer(pattern, data, flags=re.S):
        encoded = match.group(1).strip().removeprefix(b"<~").removesuffix(b"~>")
        body = zlib.decompress(base64.a85decode(encoded))
        for string in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", body):
            unescaped = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m.group(1), 8)]) if m.group(1).isdigit() else m.group(1),
                string,
            )
            shown.append(unescaped.decode("cp1252"))
    return " ".join(shown)
