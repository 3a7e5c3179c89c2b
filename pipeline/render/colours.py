"""The theme's colours made legible: one computation for the PDF, the EPUB and the factsheets.

`icons.yml` and `sectors.yml` give each box type and part a colour; where that
colour is used for text it must reach 4.5:1 against what the text sits on
(WCAG 1.4.3), and 3:1 where it is the disc behind an icon's white strokes
(WCAG 1.4.11). `legible` darkens a colour just enough, so the part colours
stay recognisably the Compendium's. `compendium a11y` measures the result
on the built files.
"""

from __future__ import annotations

# The tints the stylesheets put behind boxes (print.css, epub.css, factsheet.css).
WHITE = "#ffffff"
BOX_TINTS = ("#f4f6f8", "#f3f0f8", "#f3f5f7")


def rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def luminance(colour: str) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def legible(colour: str, against: str | tuple[str, ...], ratio: float) -> str:
    """`colour`, darkened just enough to reach `ratio` against `against` (each of them)."""
    backgrounds = (against,) if isinstance(against, str) else against
    r, g, b = rgb(colour)
    for step in range(0, 41):
        f = 1 - step * 0.025
        candidate = f"#{round(r * f):02x}{round(g * f):02x}{round(b * f):02x}"
        if all(contrast(candidate, bg) >= ratio for bg in backgrounds):
            return candidate
    return "#000000"


def box_ink(colour: str) -> str:
    """A box type's colour as its label is printed: on the box tint or on white."""
    return legible(colour, (WHITE, *BOX_TINTS), 4.5)


def sector_ink(colour: str) -> str:
    """A part's colour for titles on white, and as the ground of white text."""
    return legible(colour, WHITE, 4.5)
