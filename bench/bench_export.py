"""Benchmark: per-letter export time, HTML and PDF (target: later letters well under 1 s each).

Run: ``python bench/bench_export.py [--letters N] [--notebook executed.ipynb]``.
Uses one executed notebook (``--notebook``) or, by default, a synthetic executed
letter shaped like the real one (banner, letterhead, prose sections, two tables,
two matplotlib charts, document metadata) so the benchmark needs no kernel.
Exports it N times through ``exporters.export_letter``, which reuses module-level
exporter instances as the batch does, and prints the first export (template
loading, font configuration) and the median / worst of the rest.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook, new_output  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lgsco_report.documents import DOCUMENT_MIMETYPE  # noqa: E402
from lgsco_report.exporters import export_letter  # noqa: E402

TARGET_SECONDS = 1.0


def _chart_png(values: list[float]) -> str:
    fig, ax = plt.subplots(figsize=(6.5, 3.2), dpi=100)
    ax.barh(["Upheld", "Compliance", "Satisfactory remedy"], values, color="#1f4e79")
    ax.set_xlim(0, 100)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _display(data: dict, metadata: dict | None = None) -> nbformat.NotebookNode:
    return new_output("display_data", data=data, metadata=metadata or {})


def synthetic_letter(council: str = "Cannock Chase District Council") -> nbformat.NotebookNode:
    """An executed letter notebook about as long as a real one (3 to 4 A4 pages)."""
    paragraph = (
        "<p>We uphold a complaint when we find fault in what the council did. This year we completed "
        "several detailed investigations about your Council; the figures below set them beside the "
        "average for similar authorities, and the notes explain how each figure is worked out.</p>"
    )
    rows = "".join(
        f"<tr><th scope='row'>Category {i}</th><td class='num'>{i * 3}</td></tr>" for i in range(1, 11)
    )
    table = (
        "<table><caption>Complaints received, by category</caption><thead><tr><th scope='col'>Category</th>"
        f"<th scope='col' class='num'>Received</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    document = {
        "title": f"Annual review letter 2020: {council}", "author": "Local Government and Social Care Ombudsman",
        "subject": f"Complaint statistics for {council}", "lang": "en-GB", "council": council,
        "is_sample": True, "kind": "letter",
    }
    cells = [
        new_code_cell("council = 'x'", metadata={"tags": ["parameters"]}),
        new_code_cell("letter.metadata", outputs=[_display({DOCUMENT_MIMETYPE: document})]),
        new_code_cell("letter.section('banner')", outputs=[_display({"text/html": (
            '<div class="lgsco-sample-banner">Sample data: not real Ombudsman figures</div>'
            '<header class="lgsco-letterhead"><p>Local Government &amp; Social Care Ombudsman</p></header>'
            f'<p class="lgsco-council-name">{council}</p><h1>Annual review letter 2020</h1>'
        )})]),
    ]
    for section in range(1, 6):
        cells.append(new_code_cell("letter.section()", outputs=[_display(
            {"text/html": f"<h2>Section {section}</h2>" + paragraph * 3})]))
    cells.append(new_code_cell("letter.tables()", outputs=[_display({"text/html": table + table})]))
    for values in ([40, 99, 15], [55, 100, 20]):
        cells.append(new_code_cell("letter.chart()", outputs=[_display(
            {"image/png": _chart_png(values)}, {"image/png": {"alt": "Bar chart of the key rates."}})]))
    for cell in cells[2:]:
        cell.metadata["tags"] = ["letter"]  # the exporter prints only cells tagged 'letter'
    return new_notebook(cells=cells)


def time_exports(nb: nbformat.NotebookNode, letters: int, folder: Path) -> dict[str, list[float]]:
    """Per-letter seconds for HTML only and for PDF (HTML + PDF, as the batch writes both)."""
    timings: dict[str, list[float]] = {"html": [], "pdf": []}
    for index in range(letters):
        start = time.perf_counter()
        export_letter(nb, folder / f"letter-{index}.html", None)
        timings["html"].append(time.perf_counter() - start)
    for index in range(letters):
        start = time.perf_counter()
        export_letter(nb, folder / f"letter-{index}.html", folder / f"letter-{index}.pdf")
        timings["pdf"].append(time.perf_counter() - start)
    return timings


#: The phases of one letter's export that ``phase_split`` times (seconds, per letter).
PHASES = ("html", "layout", "fonts", "images", "write", "pdf")
PHASE_LABELS = {
    "html": "HTML (nbconvert template)", "layout": "PDF layout (WeasyPrint render)",
    "fonts": "PDF font subsetting", "images": "PDF image handling (PNG re-encoding)",
    "write": "PDF drawing and writing (rest)", "pdf": "PDF in all",
}


@contextlib.contextmanager
def _timed(owner: object, name: str, totals: dict[str, float], phase: str):
    """Add the wall and CPU time of every call of ``owner.name`` to ``totals[phase]`` and ``totals[phase + "_cpu"]``."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[phase] += time.perf_counter() - start
            totals[phase + "_cpu"] += time.process_time() - start_cpu

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


def phase_split(notebooks: list[nbformat.NotebookNode], folder: Path) -> dict[str, list[float]]:
    """Per letter, seconds in each of :data:`PHASES` (wall, and CPU as ``<phase>_cpu``), exported as the batch does.

    The first notebook is exported once first, untimed: it pays the process's set-up.
    CPU time is what to compare when the machine is shared: wall time grows with others' load.
    """
    import weasyprint
    from weasyprint import document, images
    from weasyprint.pdf import fonts

    from lgsco_report import exporters

    export_letter(notebooks[0], folder / "warm.html", folder / "warm.pdf")
    keys = [*PHASES, *(phase + "_cpu" for phase in PHASES)]
    per_letter: dict[str, list[float]] = {key: [] for key in keys}
    for index, nb in enumerate(notebooks):
        totals = dict.fromkeys(keys, 0.0)
        with contextlib.ExitStack() as stack:
            stack.enter_context(_timed(exporters.LetterPDFExporter, "render_html", totals, "html"))
            stack.enter_context(_timed(weasyprint.HTML, "render", totals, "layout"))
            stack.enter_context(_timed(document.Document, "write_pdf", totals, "write"))
            stack.enter_context(_timed(fonts.Font, "subset", totals, "fonts"))
            stack.enter_context(_timed(images.RasterImage, "get_x_object", totals, "images"))
            export_letter(nb, folder / f"split-{index}.html", folder / f"split-{index}.pdf")
        for suffix in ("", "_cpu"):
            totals["write" + suffix] -= totals["fonts" + suffix] + totals["images" + suffix]
            totals["pdf" + suffix] = sum(totals[p + suffix] for p in ("layout", "fonts", "images", "write"))
        for key in keys:
            per_letter[key].append(totals[key])
    return per_letter


def print_phase_split(per_letter: dict[str, list[float]], indent: str = "  ") -> None:
    """Median wall and CPU time of each phase, one line each."""
    for phase in PHASES:
        wall, cpu = per_letter[phase], per_letter[phase + "_cpu"]
        print(f"{indent}{PHASE_LABELS[phase]:<38} median {statistics.median(wall):6.3f} s wall, "
              f"{statistics.median(cpu):6.3f} s CPU (worst {max(wall):.3f} s wall)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=6, help="letters to export per format (default 6)")
    parser.add_argument("--notebook", type=Path, help="an executed letter notebook (default: synthetic)")
    parser.add_argument("--split", type=Path, nargs="+", metavar="IPYNB",
                        help="also time each phase of exporting these executed letters (HTML, layout, fonts, images, writing)")
    parser.add_argument("--fonttools", action="store_true", help="subset fonts with fontTools, as without libharfbuzz-subset")
    args, _ = parser.parse_known_args(argv)
    if args.fonttools:
        from fonttools_only import use

        use()
    nb = nbformat.read(args.notebook, as_version=4) if args.notebook else synthetic_letter()
    with tempfile.TemporaryDirectory() as folder:
        timings = time_exports(nb, max(args.letters, 2), Path(folder))
        pages = None
        try:
            from pypdf import PdfReader

            pages = len(PdfReader(Path(folder) / "letter-0.pdf").pages)
        except ImportError:  # pypdf is a test dependency only
            pass
    ok = True
    for fmt, label in (("html", "HTML"), ("pdf", "HTML + PDF")):
        first, rest = timings[fmt][0], timings[fmt][1:]
        median = statistics.median(rest)
        ok &= median < TARGET_SECONDS
        print(f"export {label:<11} first {first:6.3f} s   then median {median:6.3f} s, worst {max(rest):6.3f} s "
              f"over {len(rest)} letters   (target later letters < {TARGET_SECONDS:.1f} s)")
    if pages is not None:
        print(f"PDF pages per letter: {pages}")
    if args.split:
        notebooks = [nbformat.read(path, as_version=4) for path in args.split]
        with tempfile.TemporaryDirectory() as folder:
            split = phase_split(notebooks, Path(folder))
        print(f"split of one letter's export, over {len(notebooks)} executed letters:")
        print_phase_split(split)
    print("OK" if ok else "SLOWER THAN TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
