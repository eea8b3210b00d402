"""Plan a batch: check every input before anything is written, then list the tasks to run.

Everything is checked first (councils, year, formats, parameters file, office
template, addressees, data), so a mistake is one message and nothing is
written. The tasks are the letters (and the national review) whose
fingerprint differs from the manifest's or whose files are missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BatchError, RegisterOverridesError, UnknownCouncilError, YearParametersError
from ..formats import format_names
from ..hashing import sha256_file
from ..year_folder.manifest import (
    STATUS_DONE,
    STATUS_OUT_OF_DATE,
    Manifest,
    addressee_entry_digest,
    addressees_file_record,
    entry_is_up_to_date,
    slugify,
)
from .fingerprint import base_fingerprint, letter_fingerprint
from .layout import BatchResult
from ..workbook import addressees_file, letter_notebook, review_notebook
from .tasks import LETTER, NATIONAL_REVIEW, NotebookTask


def _data_folder(data_dir: Path | None) -> Path:
    """The data folder (``inputs.data_folder``'s rule), which must exist."""
    from ..inputs import data_folder

    path = data_folder(data_dir)
    if not path.is_dir():
        raise BatchError(f"data folder {path} does not exist; pass --data with the folder holding received/decided/compliance tables")
    return path.resolve()


def parse_formats(formats: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """The asked-for formats, checked against the format table and put in its order."""
    known = format_names()
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    cleaned = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    unknown = [item for item in cleaned if item not in known]
    if unknown or not cleaned:
        raise BatchError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {','.join(known)}")
    return tuple(fmt for fmt in known if fmt in cleaned)


def _select_councils(year: int, councils: list[str] | None):
    """The year's register rows to write, in register (name) order."""
    from ..register import councils_for_year, find_council

    register = councils_for_year(year)
    if not councils:
        return register
    codes: list[str] = []
    for query in councils:
        try:
            codes.append(str(find_council(query, year)["authority_code"]))
        except UnknownCouncilError as error:
            raise BatchError(str(error)) from error
    wanted = set(codes)
    return register[register["authority_code"].isin(wanted)].reset_index(drop=True)


def council_slugs(register) -> dict[str, str]:
    """GSS code -> folder slug for a year's register; a name shared by two councils gets the code appended."""
    slugs = {row.authority_code: slugify(row.authority_name, fallback=row.authority_code) for row in register.itertuples()}
    counts: dict[str, int] = {}
    for slug in slugs.values():
        counts[slug] = counts.get(slug, 0) + 1
    return {
        code: (slugify(f"{slug}-{code}") if counts[slug] > 1 else slug) for code, slug in slugs.items()
    }


def _check_parameters(year: int, params_path: Path) -> tuple[Path | None, Path | None]:
    """Load the year's parameters file (one clear error if wrong); return the office template and
    the reference Word document it names, if any."""
    from ..yearparams import load_year_parameters

    if not params_path.is_file():
        raise BatchError(f"parameters file {params_path} not found; every year needs parameters/<year>.yaml (copy the previous year's)")
    try:
        params = load_year_parameters(year, params_path)
    except (YearParametersError, OSError) as error:
        raise BatchError(str(error)) from error
    reference = getattr(params, "reference_docx", None)
    reference_docx = (params_path.parent / reference).resolve() if reference else None
    name = getattr(params, "letter_template", None)
    if not name:
        return None, reference_docx
    template = (params_path.parent / name).resolve()
    if not template.is_file():
        raise BatchError(f"{params_path}: letter_template {name!r} not found (looked for {template})")
    return template, reference_docx


def _addressees_file(year: int, params_path: Path, overrides: Path | None) -> Path | None:
    """The addressees CSV the letters use (``workbook.addressees_file``'s rule), checked here so a mistake
    stops the batch before it starts."""
    from ..register import councils_for_year

    path = addressees_file(params_path, overrides)
    if path is None:
        return None
    if not path.is_file():
        raise BatchError(f"addressees file {path} not found")
    try:
        councils_for_year(year, overrides=path)
    except (RegisterOverridesError, OSError) as error:
        raise BatchError(str(error)) from error
    return path.resolve()


def unconfirmed(year: int, params_path: Path, final: bool) -> tuple[str, ...]:
    """The year's unconfirmed facts; with ``final``, a year that has any is refused (BatchError)."""
    from ..documents import draft_mark
    from ..yearparams import unconfirmed_facts

    try:
        facts = unconfirmed_facts(year, params_path)
    except YearParametersError as error:
        raise BatchError(str(error)) from None
    if final and facts:
        raise BatchError(
            f"--final: {params_path} lists facts of {year} that are not confirmed ({', '.join(facts)}); "
            f"confirm them and remove them from its 'unconfirmed' list, or leave out --final to make DRAFT letters "
            f"({draft_mark(facts)})"
        )
    return facts


def addressees_named(letter_date, addressees: Path | None, selected) -> dict[str, bool]:
    """GSS code -> whether its letter names its addressee, for every selected council.

    Asked of the letter's own rule (``letter.addressing_for``, with the letter date and
    addressees file the letter gets), once per council: a letter without a name reads
    "The Chief Executive / Dear Chief Executive".
    """
    from ..letter import addressing_for

    return {str(code): addressing_for(str(code), letter_date, addressees)["addressee_name"] is not None
            for code in selected["authority_code"]}


def refuse_unnamed(inputs: "Inputs", final: bool, allow_unnamed: bool) -> None:
    """With ``final``, refuse (BatchError) letters with no named addressee unless ``allow_unnamed``."""
    unnamed = [row.authority_name for row in inputs.selected.itertuples() if not inputs.named[str(row.authority_code)]]
    if not final or allow_unnamed or not unnamed:
        return
    shown = "; ".join(unnamed[:3]) + (f" and {len(unnamed) - 3} more" if len(unnamed) > 3 else "")
    where = inputs.addressees or inputs.params_path.parent / "addressees.csv"
    raise BatchError(
        f"--final: {len(unnamed)} letter(s) have no named addressee and would read \"Dear Chief Executive\" "
        f"({shown}); add the chief executive's name to {where}, or pass --allow-unnamed to send them so"
    )


@dataclass
class Inputs:
    """Everything a batch reads, checked before anything is written or any worker started."""

    year: int
    formats: tuple[str, ...]
    notebook: Path
    selected: Any
    slugs: dict[str, str]
    data_path: Path
    data_fingerprint: dict[str, str]
    params_path: Path
    addressees: Path | None
    letter_date: Any
    base_fingerprint: dict[str, Any]
    letter_fingerprint: dict[str, Any]
    timeout: float
    #: GSS code -> whether the letter names its addressee (``addressees_named``).
    named: dict[str, bool]


def check_inputs(year, councils, data_dir, formats, timeout, notebook, overrides) -> Inputs:
    """Check every input of a batch (one ``BatchError`` or ``CaseDataError`` naming what to fix)."""
    from ..inputs import fingerprint as fingerprint_data
    from ..definitions import parse_year
    from ..register import councils_for_year
    from ..yearparams import default_parameters_file, load_year_parameters

    try:
        year = parse_year(year)
    except ValueError as error:  # parse_year's own error: a year it cannot read
        raise BatchError(str(error)) from error
    formats = parse_formats(formats)
    if timeout <= 0:
        raise BatchError(f"timeout must be positive, got {timeout}")
    notebook = Path(notebook) if notebook is not None else letter_notebook()
    if not notebook.is_file():
        raise BatchError(f"letter notebook {notebook} not found")
    notebook = notebook.resolve()
    selected = _select_councils(year, councils)
    params_path = default_parameters_file(year)
    template, reference_docx = _check_parameters(year, params_path)
    addressees = _addressees_file(year, params_path, overrides)
    data_path = _data_folder(data_dir)
    # What is unchanged is decided from the files' hashes, before anything is loaded.
    data_fingerprint = fingerprint_data(data_path)
    base = base_fingerprint(data_fingerprint, params_path, formats, reference_docx)
    letter = letter_fingerprint(base, notebook, addressees, template)
    letter_date = load_year_parameters(year, params_path).letter_date
    return Inputs(year, formats, notebook, selected, council_slugs(councils_for_year(year)), data_path,
                  data_fingerprint, params_path, addressees, letter_date, base, letter, float(timeout),
                  addressees_named(letter_date, addressees, selected))


def mark_out_of_date(entry: dict[str, Any] | None, fingerprint: dict[str, Any]) -> None:
    """A letter done from other inputs is out of date until remade: if the batch stops first, the
    manifest and the index say so rather than show it as current."""
    if entry and entry.get("status") == STATUS_DONE and entry.get("fingerprint") != fingerprint:
        entry["status"] = STATUS_OUT_OF_DATE


def letter_tasks(inputs: Inputs, year_dir: Path, manifest: Manifest, force: bool, stats_path: Path,
                 generated_at: str, result: BatchResult) -> list[NotebookTask]:
    """A task for every selected letter that is not up to date (those are counted as skipped)."""
    tasks = []
    addressees = _addressees_records(inputs)
    for row in inputs.selected.itertuples():
        code = str(row.authority_code)
        fingerprint = {**inputs.letter_fingerprint, "council": code}
        if not force and manifest.is_up_to_date(code, fingerprint, year_dir):
            result.skipped += 1
            continue
        mark_out_of_date(manifest.letters.get(code), fingerprint)
        slug = inputs.slugs[code]
        parameters = {
            "council": code,
            "year": inputs.year,
            "data_dir": str(inputs.data_path),
            "params_file": str(inputs.params_path),
            "stats_file": str(stats_path),
            "overrides_file": str(inputs.addressees or ""),
            "generated_at": generated_at,
        }
        tasks.append(NotebookTask(
            LETTER, inputs.notebook, parameters, inputs.formats, year_dir, destination=slug, slug=slug,
            fingerprint=fingerprint, timeout=inputs.timeout, year=inputs.year, authority_code=code,
            authority_name=str(row.authority_name), authority_type=str(row.authority_type),
            addressees=addressees(code),
        ))
    return tasks


def _addressees_records(inputs: Inputs):
    """code -> the manifest's record of the addressees its letter is made with (``year_folder.manifest``):
    the file, its SHA-256 and the digest of the council's own entry, which ``send`` checks before mailing."""
    from ..letter import recipients_for
    from ..register import ADDRESSEE_COLUMNS

    file_record = addressees_file_record(inputs.addressees)

    def record(code: str) -> dict[str, Any]:
        rows = recipients_for(code, inputs.letter_date, inputs.addressees, check_emails=False)
        return {**file_record, "entry": addressee_entry_digest(rows, ADDRESSEE_COLUMNS)}

    return record


def report_task(inputs: Inputs, year_dir: Path, manifest: Manifest, force: bool, stats_path: Path,
                generated_at: str) -> NotebookTask | None:
    """The national review's task, or None when it is up to date (same inputs, files present)."""
    notebook = review_notebook()
    if not notebook.is_file():
        return None
    fingerprint = {**inputs.base_fingerprint, "notebook": sha256_file(notebook), "council": None}
    if not force and entry_is_up_to_date(manifest.reports.get(NATIONAL_REVIEW), fingerprint, year_dir):
        return None
    mark_out_of_date(manifest.reports.get(NATIONAL_REVIEW), fingerprint)
    parameters = {"year": inputs.year, "data_dir": str(inputs.data_path), "stats_file": str(stats_path),
                  "generated_at": generated_at}
    return NotebookTask(
        NATIONAL_REVIEW, notebook, parameters, inputs.formats, year_dir, destination="", slug=NATIONAL_REVIEW,
        fingerprint=fingerprint, timeout=inputs.timeout, year=inputs.year, authority_name="national review",
    )
