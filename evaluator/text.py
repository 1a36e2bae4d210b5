"""Terminal text: pad strings that mix Chinese (two columns wide) and Latin characters."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: wide and full-width characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to ``width`` display columns, on the left when ``right`` aligns it right."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap
