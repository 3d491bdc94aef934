"""HTML character references left in published text ("&amp;", "&#209;"), decoded the one way
both the RFC and the name normalisers need."""

from __future__ import annotations

import html
import re

# Only references closed by ";": "P&O" and "C&B" must survive, and without that rule
# html.unescape reads a person RFC like "X&GT800101..." as "X>800101...".
_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def decode_references(text: str) -> str:
    """`text` with every closed character reference decoded, however often it was escaped."""
    # Loop: double-escaped text ("&amp;#38;") is common in exports.
    while True:
        decoded = _REFERENCE.sub(lambda m: html.unescape(m.group(0)), text)
        if decoded == text:
            return text
        text = decoded
