"""Proof sheets: every page of a PDF as a small PNG, and one contact sheet.

For an editor's review by eye before anything goes to the printer. Uses
pypdfium2 (from PyPI), so it needs nothing from the system.
"""

from __future__ import annotations

from pathlib import Path

from .errors import PipelineError


def proof_pdf(pdf: Path, out_dir: Path, dpi: int = 50, columns: int = 8) -> tuple[int, Path]:
    """Write out_dir/page-NNN.png for each page and out_dir/contact-sheet.png."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # an optional extra: only proofs need it
        raise PipelineError("proofs need pypdfium2: pip install -e '.[proof]'") from None
    from PIL import Image, ImageDraw

    if not pdf.is_file():
        raise PipelineError(f"'{pdf}' does not exist: build it first (make pdf)")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("page-*.png"):
        old.unlink()
    document = pdfium.PdfDocument(str(pdf))
    images: list[Image.Image] = []
    try:
        for index in range(len(document)):
            bitmap = document[index].render(scale=dpi / 72)
            image = bitmap.to_pil().convert("RGB")
            image.save(out_dir / f"page-{index + 1:03d}.png", optimize=True)
            images.append(image)
    finally:
        document.close()
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    gap, label = 8, 14
    rows = (len(images) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (width + gap) + gap, rows * (height + gap + label) + gap), "#d9dde1")
    draw = ImageDraw.Draw(sheet)
    for i, image in enumerate(images):
        x = gap + (i % columns) * (width + gap)
        y = gap + (i // columns) * (height + gap + label)
        sheet.paste(image, (x, y))
        draw.text((x, y + height + 1), str(i + 1), fill="#333333")
    sheet_path = out_dir / "contact-sheet.png"
    sheet.save(sheet_path, optimize=True)
    return len(images), sheet_path
