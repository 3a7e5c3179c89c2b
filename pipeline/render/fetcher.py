"""A sealed URL fetcher for WeasyPrint: files under the allowed folders, nothing else.

Rendering never reaches the network and never reads a file outside the
project's theme and source folders, whatever a template or stylesheet asks
for. A refused or missing resource stops the build with a message that names
it (WeasyPrint would otherwise log a warning and leave a hole in the page).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..errors import shown_file

mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("font/otf", ".otf")
mimetypes.add_type("font/ttf", ".ttf")
mimetypes.add_type("font/woff2", ".woff2")


class RefusedResource(FatalURLFetchingError):
    """A resource the sealed fetcher will not serve."""


class SealedFetcher(URLFetcher):
    def __init__(self, allowed_roots: list[Path]) -> None:
        super().__init__(allowed_protocols=["file"], allow_redirects=False, fail_on_errors=True)
        self.allowed = [root.resolve() for root in allowed_roots]
        self.served: list[Path] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:  # type: ignore[override]
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise RefusedResource(f"refused to fetch '{url}': rendering never reaches the network")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed):
            raise RefusedResource(
                f"refused to read '{shown_file(path)}': only files under "
                f"{', '.join(shown_file(root) for root in self.allowed)} may be used in rendering"
            )
        if not path.is_file():
            raise RefusedResource(f"missing file '{shown_file(path)}' (asked for by a template or stylesheet)")
        self.served.append(path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})
