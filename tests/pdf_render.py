"""Render PDF pages to pixels for tests, with pypdfium2 (a pip wheel: no system tools needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium


def page_count(pdf_path: Path) -> int:
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return len(document)
    finally:
        document.close()


def render_page(pdf_path: Path, index: int = 0, dpi: float = 50, png_path: Path | None = None) -> np.ndarray:
    """Page ``index`` (from 0) as an RGB array of floats in 0-1; also saved as PNG when ``png_path`` is given."""
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        page = document[index]
        image = page.render(scale=dpi / 72).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    if png_path is not None:
        image.save(png_path)
    return np.asarray(image, dtype=np.float32) / 255.0
