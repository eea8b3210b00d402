"""A task's fingerprint: the digest of every file and version that shapes its output.

A document is skipped on a rerun when its fingerprint matches the manifest
and its files exist. The fingerprint covers: the data files, the notebook,
the year's parameters file, the office letter template it names (and the
other ``*.j2`` beside it), the reference Word document it names, the
addressees file, every file of the installed package (Python source, letter
and exporter templates, CSS, register data), the versions of Python and the
rendering libraries, and the formats.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from ..hashing import fingerprint_digest, sha256_file

#: The installed package: every file in it shapes a letter (code, templates, CSS, register data).
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: Distributions whose version changes how a letter is computed or rendered.
RENDERING_LIBRARIES = ("pandas", "numpy", "matplotlib", "jinja2", "nbconvert", "nbformat", "papermill", "weasyprint", "pydyf", "fonttools")


def package_digest(root: Path | None = None) -> str:
    """SHA-256 over every file of the package (names and contents), ``__pycache__`` left out.

    Why the whole package: the letter is shaped by its Python code (statistics,
    wording, charts), its templates (letter, exporters) and CSS and the register
    data; hashing all of them is cheap (a few ms) and cannot miss a new file.
    """
    root = Path(root or PACKAGE_DIR)
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0" + sha256_file(path).encode("ascii"))
    return digest.hexdigest()


def runtime_versions() -> dict[str, str | None]:
    """Python's version and those of the libraries that compute and render a letter."""
    versions: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in RENDERING_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def office_template_digest(template: Path | None) -> str | None:
    """Digest of an office's letter template and the other ``*.j2`` beside it (it may include them)."""
    if template is None:
        return None
    files = sorted({template, *template.parent.glob("*.j2")})
    return fingerprint_digest({path.name: sha256_file(path) for path in files if path.is_file()})


def base_fingerprint(data: dict[str, str], params_path: Path, formats: tuple[str, ...],
                     reference_docx: Path | None) -> dict[str, Any]:
    """What shapes every document of the year: data, parameters, package, runtime, formats.

    The reference Word document is the base of every .docx (letters and review);
    it is named only when the year's parameters name one, so the fingerprints of
    years that do not are what they were.
    """
    base: dict[str, Any] = {
        "data": data,
        "parameters": sha256_file(params_path),
        "package_version": __version__,
        "package_source": package_digest(),
        "runtime": runtime_versions(),
        "formats": list(formats),
    }
    if reference_docx is not None:
        base["reference_docx"] = sha256_file(reference_docx) if reference_docx.is_file() else None
    return base


def letter_fingerprint(base: dict[str, Any], notebook: Path, addressees: Path | None,
                       template: Path | None) -> dict[str, Any]:
    """A letter's inputs besides the base: its notebook, addressees file and office template."""
    return {
        **base,
        "notebook": sha256_file(notebook),
        "addressees": sha256_file(addressees) if addressees else None,
        "letter_template": office_template_digest(template),
    }
