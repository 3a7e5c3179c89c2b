"""One accessibility finding: which edition, which rule, where, what."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Finding:
    edition: str  # the file checked, as shown to the user
    rule: str  # "matterhorn 18-001", "ace heading-order", "wcag 1.4.3"
    where: str  # page, document or element the finding is about
    message: str
    impact: str = "serious"  # Ace's impacts: minor, moderate, serious, critical

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def open_pdf(path: Path, shown: str):  # type: ignore[no-untyped-def]
    """pikepdf's view of a PDF, or one located error if it is not one."""
    import pikepdf

    from ..errors import PipelineError

    try:
        return pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as exc:
        raise PipelineError(f"{shown}: not a readable PDF ({str(exc).splitlines()[0][:120]})") from None
