"""Contrast of every piece of text in a PDF against what it is drawn on (WCAG 1.4.3).

Read from the page content streams with pikepdf: the fill colour in force
when text is shown, and the topmost filled shape under the text's origin
drawn before it (the page is white where nothing is). Text of 18 pt and
more, or 14 pt and more in a bold face, is large (3:1); other text needs
4.5:1. Text over an image is not judged (a person must look at it), and
invisible text (render mode 3) is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from .findings import Finding, open_pdf

RGB = tuple[float, float, float]
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)
WHITE: RGB = (1.0, 1.0, 1.0)


def _mul(a: Matrix, b: Matrix) -> Matrix:
    """a then b (PDF's row-vector convention)."""
    return (
        a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])


def luminance(rgb: RGB) -> float:
    def channel(s: float) -> float:
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def hex_of(rgb: RGB) -> str:
    return "#" + "".join(f"{round(v * 255):02x}" for v in rgb)


Point = tuple[float, float]


@dataclass
class _Painted:
    subpaths: list[list[Point]]  # closed polygons (curves by their end points)
    even_odd: bool
    colour: RGB | None  # None: an image or a pattern

    def covers(self, x: float, y: float) -> bool:
        winding = 0
        crossings = 0
        for poly in self.subpaths:
            for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
                if (y0 <= y) != (y1 <= y):
                    cross_x = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
                    if cross_x > x:
                        crossings += 1
                        winding += 1 if y1 > y0 else -1
        return crossings % 2 == 1 if self.even_odd else winding != 0


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    fill: RGB | None = (0.0, 0.0, 0.0)
    fill_space_n: int = 1  # components of the fill colour space (sc/scn)
    font_size: float = 0.0
    font_bold: bool = False
    render_mode: int = 0
    clips: tuple[_Painted, ...] = ()  # text outside any of these is not seen


@dataclass
class _Sample:
    colour: RGB
    background: RGB
    size: float
    bold: bool
    page: int


@dataclass
class _Page:
    painted: list[_Painted] = field(default_factory=list)
    samples: list[_Sample] = field(default_factory=list)
    unjudged: int = 0


def _colour(operands: list[pikepdf.Object], n: int) -> RGB | None:
    values = [float(v) for v in operands if _is_num(v)]  # (pikepdf gives reals as Decimal)
    if n == 1 and len(values) >= 1:
        return (values[0],) * 3  # type: ignore[return-value]
    if n == 3 and len(values) >= 3:
        return (values[0], values[1], values[2])
    if n == 4 and len(values) >= 4:
        c, m, y, k = values[:4]
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def _is_num(v: object) -> bool:
    try:
        float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _space_components(space: pikepdf.Object, resources: pikepdf.Dictionary | None) -> int:
    name = str(space)
    if name in ("/DeviceGray", "/CalGray", "/G"):
        return 1
    if name in ("/DeviceRGB", "/CalRGB", "/RGB"):
        return 3
    if name in ("/DeviceCMYK", "/CMYK"):
        return 4
    if resources is not None:
        spaces = resources.get("/ColorSpace", {})
        definition = spaces.get(name)
        if isinstance(definition, pikepdf.Array) and len(definition) >= 2:
            if str(definition[0]) == "/ICCBased":
                return int(definition[1].get("/N", 3))
            if str(definition[0]) == "/Pattern":
                return 0
    return 0


def _scan(owner: pikepdf.Object, resources: pikepdf.Dictionary | None, state: _State, page: _Page,
          number: int, fonts_bold: dict[str, bool]) -> None:
    stack: list[_State] = []
    path: list[list[Point]] = []
    clip_pending: bool | None = None  # W (nonzero) or W* (even-odd) waiting for its painting operator
    tm: Matrix = IDENTITY
    tlm: Matrix = IDENTITY
    leading = 0.0
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        ops = list(operands)
        if op == "q":
            stack.append(_State(**state.__dict__))
        elif op == "Q" and stack:
            state = stack.pop()
        elif op == "cm" and len(ops) == 6:
            state.ctm = _mul(tuple(float(v) for v in ops), state.ctm)  # type: ignore[arg-type]
        elif op == "rg":
            state.fill = _colour(ops, 3)
        elif op == "g":
            state.fill = _colour(ops, 1)
        elif op == "k":
            state.fill = _colour(ops, 4)
        elif op == "cs" and ops:
            state.fill_space_n = _space_components(ops[0], resources)
        elif op in ("sc", "scn"):
            state.fill = _colour(ops, state.fill_space_n) if state.fill_space_n else None
        elif op == "re" and len(ops) == 4:
            x, y, w, h = (float(v) for v in ops)
            path.append([_apply(state.ctm, px, py) for px, py in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))])
        elif op == "m" and len(ops) == 2:
            path.append([_apply(state.ctm, float(ops[0]), float(ops[1]))])
        elif op == "l" and len(ops) == 2 and path:
            path[-1].append(_apply(state.ctm, float(ops[0]), float(ops[1])))
        elif op in ("c", "v", "y") and len(ops) >= 4 and path:
            path[-1].append(_apply(state.ctm, float(ops[-2]), float(ops[-1])))
        elif op in ("f", "F", "f*", "B", "B*", "b", "b*"):
            polygons = [poly for poly in path if len(poly) >= 3]
            if polygons:
                page.painted.append(_Painted(polygons, op.endswith("*"), state.fill))
            path = []
        elif op in ("W", "W*"):
            clip_pending = op == "W*"
        elif op in ("n", "S", "s"):
            if clip_pending is not None:
                polygons = [poly for poly in path if len(poly) >= 3]
                if polygons:
                    state.clips = (*state.clips, _Painted(polygons, clip_pending, None))
                clip_pending = None
            path = []
        elif op == "BT":
            tm = tlm = IDENTITY
        elif op == "Tf" and len(ops) == 2:
            state.font_size = float(ops[1])
            state.font_bold = fonts_bold.get(str(ops[0]), False)
        elif op == "Tr" and ops:
            state.render_mode = int(ops[0])
        elif op == "TL" and ops:
            leading = float(ops[0])
        elif op == "Tm" and len(ops) == 6:
            tm = tlm = tuple(float(v) for v in ops)  # type: ignore[assignment]
        elif op in ("Td", "TD") and len(ops) == 2:
            tlm = _mul((1, 0, 0, 1, float(ops[0]), float(ops[1])), tlm)
            tm = tlm
            if op == "TD":
                leading = -float(ops[1])
        elif op == "T*":
            tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
            tm = tlm
        elif op in ("Tj", "TJ", "'", '"'):
            if state.render_mode == 3:
                continue
            full = _mul(tm, state.ctm)
            x, y = _apply(full, 0, state.font_size * 0.3)  # inside the glyphs, above the baseline
            size = state.font_size * (abs(full[0] * full[3] - full[1] * full[2]) ** 0.5)
            if not all(clip.covers(x, y) for clip in state.clips):
                continue  # clipped away (text for screen readers only, say)
            background = _background(page.painted, x, y)
            if state.fill is None or background is None:
                page.unjudged += 1
                continue
            page.samples.append(_Sample(state.fill, background, size, state.font_bold, number))
        elif op == "Do" and resources is not None and ops:
            xobj = resources.get("/XObject", {}).get(str(ops[0]))
            if xobj is None:
                continue
            if xobj.get("/Subtype") == "/Image":
                corners = [_apply(state.ctm, cx, cy) for cx, cy in ((0, 0), (1, 0), (1, 1), (0, 1))]
                page.painted.append(_Painted([corners], False, None))
            elif xobj.get("/Subtype") == "/Form":
                inner = _State(**state.__dict__)
                matrix = xobj.get("/Matrix")
                if matrix is not None:
                    inner.ctm = _mul(tuple(float(v) for v in matrix), state.ctm)  # type: ignore[arg-type]
                _scan(xobj, xobj.get("/Resources", resources), inner, page, number, fonts_bold)


def _background(painted: list[_Painted], x: float, y: float) -> RGB | None:
    for shape in reversed(painted):
        if shape.covers(x, y):
            return shape.colour
    return WHITE


def _bold_fonts(resources: pikepdf.Dictionary | None) -> dict[str, bool]:
    out: dict[str, bool] = {}
    if resources is None:
        return out
    for name, font in resources.get("/Font", {}).items():
        base = str(font.get("/BaseFont", ""))
        out[name] = "Bold" in base or "Black" in base
    return out


def check_contrast(path: Path, shown: str) -> list[Finding]:
    """A finding per colour pair below its WCAG ratio, with the pages where it occurs."""
    failures: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    worst: dict[tuple[str, str, str], float] = {}
    with open_pdf(path, shown) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            resources = page.obj.get("/Resources")
            result = _Page()
            _scan(page.obj, resources, _State(), result, number, _bold_fonts(resources))
            for sample in result.samples:
                large = sample.size >= 18 or (sample.bold and sample.size >= 14)
                needed = 3.0 if large else 4.5
                got = ratio(sample.colour, sample.background)
                if got + 1e-6 < needed:
                    key = (hex_of(sample.colour), hex_of(sample.background), "large" if large else "body")
                    failures[key].append(number)
                    worst[key] = got
    findings = []
    for (fg, bg, kind), pages in sorted(failures.items()):
        needed = "3:1" if kind == "large" else "4.5:1"
        listed = sorted(set(pages))
        shown_pages = ", ".join(str(p) for p in listed[:8]) + ("…" if len(listed) > 8 else "")
        findings.append(Finding(shown, "wcag 1.4.3", f"pages {shown_pages}",
                                f"{len(pages)} runs of {kind} text {fg} on {bg}: {worst[(fg, bg, kind)]:.2f}:1, "
                                f"needs {needed}"))
    return findings
