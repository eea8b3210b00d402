"""The ``lgsco-report`` command: councils, sample-data, stats, init, letters, send.

Each subcommand is a thin wrapper over a module function, so what the command
does a notebook or a test can do by calling the same function. Errors a user can
fix (bad data, unknown council, a refused folder: the ``errors`` family) are
printed as one clear message with exit status 2, never as a traceback: this
module is the only one that catches ``LgscoReportError`` (and a full disk); every
module raises it. Any other exception is a bug and keeps its traceback. ``python -m
lgsco_report letters ...`` runs the same command.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .definitions import parse_year
from .errors import LgscoReportError
from .lazy_imports import defer_rfc3987_syntax

defer_rfc3987_syntax()  # before anything imports nbformat: seconds off every command's start-up

# ---------------------------------------------------------------- option checks
# Each is an argparse ``type=``: a bad value is refused while the command line is
# read, with one line naming the option (exit 2), before any folder is made.

#: Longest time a letter may be given (a day): past it a "timeout" only hides a hung kernel.
MAX_TIMEOUT_SECONDS = 24 * 60 * 60
#: Most worker processes; each holds a kernel of a few hundred MB.
MAX_WORKERS = 64
#: Seeds are 32-bit, the range every random generator takes.
MAX_SEED = 2**32 - 1
#: File endings ``stats --out`` can write.
STATS_SUFFIXES = (".csv", ".xlsx")


def _year(value: str) -> int:
    try:
        return parse_year(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _plain(value: str, what: str) -> str:
    """``value`` stripped; refused if empty or holding control characters (NUL and the like)."""
    text = value.strip()
    if not text:
        raise argparse.ArgumentTypeError(f"{what} is empty")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise argparse.ArgumentTypeError(f"{what} {value!r} holds a control character")
    return text


def timeout_seconds(value: str) -> float:
    """Seconds allowed per letter: a finite number above 0, at most a day."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT_SECONDS):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS} (a day), e.g. 300"
        )
    return seconds


def _whole_number(value: str, low: int, high: int, what: str) -> int:
    text = value.strip()
    number = int(text) if text.lstrip("-").isdigit() and len(text) <= 20 else None
    if number is None or not low <= number <= high:
        raise argparse.ArgumentTypeError(f"{value!r} is not {what}: a whole number from {low} to {high}")
    return number


def worker_count(value: str) -> int:
    return _whole_number(value, 1, MAX_WORKERS, "a number of worker processes")


def seed_number(value: str) -> int:
    return _whole_number(value, 0, MAX_SEED, "a seed")


def letter_formats(value: str) -> str:
    """``"PDF, html"`` -> ``"pdf,html"``; each must be one of the batch's formats."""
    from .formats import format_names

    known = format_names()
    items = [item.strip().lower() for item in value.split(",")]
    unknown = [item for item in items if item not in known]
    if unknown or not value.strip():
        shown = ", ".join(repr(item) for item in unknown) or "none"
        raise argparse.ArgumentTypeError(f"unknown format(s) {shown}; give a comma-separated list of {','.join(known)}")
    return ",".join(dict.fromkeys(items))


def council_name(value: str) -> str:
    """A council the register knows, by one name (any year; the year is checked once parsed)."""
    from .errors import UnknownCouncilError
    from .register import find_council

    text = _plain(value, "council")
    if len(text) > 200:
        raise argparse.ArgumentTypeError(f"council name of {len(text)} characters is too long for any council")
    try:
        find_council(text)
    except UnknownCouncilError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(".")


def _can_make_folder(folder: Path, value: str) -> None:
    """``folder`` exists as a folder, or can be made inside the nearest folder that exists."""
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{value!r}: cannot write in {existing} (no permission)")


def _path(value: str, what: str) -> Path:
    return Path(_plain(value, what)).expanduser()


def existing_folder(value: str) -> Path:
    path = _path(value, "folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a folder" + ("" if path.exists() else " (no such folder)"))
    return path


def existing_file(value: str) -> Path:
    path = _path(value, "file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value!r} is not a file" + ("" if path.exists() else " (no such file)"))
    return path


def output_folder(value: str) -> Path:
    """A folder to write into: an existing folder, or one that can be made."""
    path = _path(value, "output folder")
    _can_make_folder(path, value)
    return path


def output_file(suffixes: tuple[str, ...]) -> Callable[[str], Path]:
    """A file to write, ending in one of ``suffixes``; not a folder; its folder exists or can be made."""

    def check(value: str) -> Path:
        path = _path(value, "output file")
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(
                f"{value!r} should end in {' or '.join(suffixes)}, not {path.suffix or 'no ending'!r}"
            )
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{value!r} is a folder; give a file name ending in {' or '.join(suffixes)}")
        _can_make_folder(path.parent, value)
        return path

    return check


#: Checks for the options ``add_letters_arguments`` defines, by destination.
LETTERS_CHECKS: dict[str, Callable[[str], object]] = {
    "year": _year, "council": council_name, "data": existing_folder, "out": output_folder,
    "workers": worker_count, "formats": letter_formats, "timeout": timeout_seconds, "notebook": existing_file,
}


def add_checks(parser: argparse.ArgumentParser, checks: dict[str, Callable[[str], object]]) -> None:
    """Give ``parser``'s options their checks (for options another module defines)."""
    for action in parser._actions:  # noqa: SLF001 - argparse has no public way to reach an option
        if action.option_strings and action.dest in checks:
            action.type = checks[action.dest]


def check_councils_in_year(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Each ``--council`` must be in the letters of ``--year`` (both are checked alone when read)."""
    from .errors import UnknownCouncilError
    from .register import find_council

    queries = getattr(args, "council", None) or []
    for query in [queries] if isinstance(queries, str) else queries:
        try:
            find_council(query, args.year)
        except UnknownCouncilError as exc:
            parser.error(f"argument --council: {exc}")


def cmd_councils(args: argparse.Namespace) -> int:
    from .register import councils_for_year

    frame = councils_for_year(args.year, overrides=args.overrides)
    columns = ["authority_code", "authority_name", "short_name", "authority_type", "population"]
    view = frame[columns].copy()
    view["population"] = view["population"].map(lambda p: "" if p != p else f"{int(p)}")
    if args.format == "csv":
        view.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        widths = {c: max(len(c), int(view[c].astype(str).str.len().max())) for c in columns}
        print("  ".join(c.ljust(widths[c]) for c in columns))
        for row in view.itertuples(index=False):
            print("  ".join(str(v).ljust(widths[c]) for c, v in zip(columns, row)).rstrip())
        counts = frame["authority_type"].value_counts()
        summary = ", ".join(f"{counts.get(t, 0)} {t}" for t in sorted(counts.index))
        print(f"\n{len(frame)} councils for the year ending 31 March {args.year}: {summary}", file=sys.stderr)
    return 0


def cmd_sample_data(args: argparse.Namespace) -> int:
    from .inputs import data_folder
    from .sample import write_sample_data

    out = Path(args.out) if args.out else data_folder(make_sample=False)
    paths = write_sample_data(out, seed=args.seed)
    for path in paths:
        print(path)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from .inputs import data_folder, load
    from .stats import compute_statistics, write_published_table

    cases = load(data_folder(args.data))
    statistics = compute_statistics(cases, average_method=args.average_method)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)  # checked when read: it can be made
    if out.suffix.lower() == ".xlsx":  # the same annotated workbook as the batch's statistics.xlsx
        from .statistics_pack import write_workbook

        write_workbook(statistics, args.year, out)
    else:
        write_published_table(statistics, args.year, out)
    print(args.out)
    return 0


def cmd_figures_template(args: argparse.Namespace) -> int:
    """An empty figures table (one row per council of the year) for an office to fill in: a data folder's other input."""
    from .inputs import write_figures_template

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_figures_template(args.year, out)
    print(args.out)
    print(f"fill in the counts (blank: not known), name the file figures{out.suffix.lower()} in a data folder of its own "
          "(beside averages.csv if you have the published averages), and pass that folder as --data", file=sys.stderr)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .workbook import init_workbook

    written = init_workbook(Path(args.directory))
    for path in written:
        print(path)
    print(f"workbook written to {args.directory}: edit its notebooks and parameters, then run "
          f"lgsco-report from inside it (or set LGSCO_REPORT_WORKBOOK={args.directory})", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- lgsco-report send


def send_rate(value: str) -> float:
    """``--rate-limit``: messages per minute, ``30/min`` or ``30``, above 0."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:/\s*min)?\s*", value)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: give messages per minute, e.g. 30/min")
    return float(match.group(1))


def add_send_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``lgsco-report send``."""
    from .sending import ENV_FROM, ENV_PASSWORD, ENV_USER

    parser.add_argument("--year", type=_year, required=True, help="year ending March, e.g. 2020 or 2019-20")
    parser.add_argument("--council", action="append", metavar="NAME", help="a council (name or code); repeat for several; default: every letter of the year")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", dest="send", action="store_false", help="write each message as letter.eml beside the letter; send nothing (the default)")
    mode.add_argument("--send", dest="send", action="store_true", help="really send the messages")
    parser.set_defaults(send=False)
    parser.add_argument("--smtp", metavar="URL", help="mail server: smtps://host[:port] (TLS) or smtp://host[:port] (STARTTLS; plain only on loopback)")
    parser.add_argument("--smtp-credentials", type=Path, metavar="FILE", help=f"file outside the repository, mode 600, with user=... and password=... (default: ${ENV_USER} / ${ENV_PASSWORD})")
    parser.add_argument("--from", dest="from_address", metavar="ADDRESS", help=f"sender address (default: ${ENV_FROM})")
    parser.add_argument("--final", action="store_true", help="refuse DRAFT letters and years with unconfirmed facts")
    parser.add_argument("--attach-docx", action="store_true", help="attach the Word letter too")
    parser.add_argument("--resend", action="append", default=[], metavar="COUNCIL", help="send this council's letter again (after a change, or an unknown outcome)")
    parser.add_argument("--confirm-sent", action="append", default=[], metavar="COUNCIL", help="record a send of unknown outcome as sent (after checking the mail server)")
    parser.add_argument("--allow-sample", action="store_true", help="send letters made from sample data, subject marked SAMPLE")
    parser.add_argument("--rate-limit", type=send_rate, metavar="N/min", help="at most N messages a minute")
    parser.add_argument("--addressees", type=Path, metavar="FILE", help="addressees CSV; must be the one the letters were made with (default: that one, as the manifest records it)")
    parser.add_argument("--data", type=Path, metavar="DIR", help="the data folder the letters were made from (default: the sample data), to spot stale letters")
    parser.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR", help="output folder holding the letters (default: outputs)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or summary on stderr")


def cmd_send(args: argparse.Namespace) -> int:
    """Run ``lgsco-report send``; 0 all done, 1 some refused/failed/unknown, 2 could not start (``main`` says why)."""
    from .sending import SendOptions, run_send, summary

    options = SendOptions(
        year=args.year, out_dir=args.out, councils=args.council, dry_run=not args.send, smtp_url=args.smtp,
        from_address=args.from_address, final=args.final, attach_docx=args.attach_docx, resend=list(args.resend),
        confirm_sent=list(args.confirm_sent), allow_sample=args.allow_sample, rate_limit=args.rate_limit,
        credentials_file=args.smtp_credentials, addressees=args.addressees, data_dir=args.data,
        progress=not args.no_progress,
    )
    result = run_send(options)
    print(summary(result), file=sys.stderr)
    return result.exit_code


def cmd_site(args: argparse.Namespace) -> int:
    from .site import build_site, parse_years

    result = build_site(args.out, years=parse_years(args.years) if args.years else None, data_dir=args.data,
                        letters_dir=args.letters, force=args.force)
    print(f"{result.out_dir / 'index.html'}: {result.pages} pages, {len(result.written)} written, "
          f"{len(result.unchanged)} unchanged, {len(result.removed)} removed ({result.seconds:.1f} s)")
    if args.letters:
        _link_indexes_to_site(Path(args.letters), result, args.data)
    return 0


def _link_indexes_to_site(letters_dir: Path, result, data_dir: Path | None) -> None:
    """Rewrite each year's index of letters (made from the same data) so it links the council pages just built."""
    from .batch.record import refresh_index
    from .inputs import data_folder, fingerprint

    data = fingerprint(data_folder(data_dir or ""))
    for year in result.years:
        written = refresh_index(letters_dir / str(year), year, result.statistics, data)
        if written is not None:
            print(f"{written}: now links each council's page on the site")


# ---------------------------------------------------------------- lgsco-report letters


def add_letters_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``lgsco-report letters``."""
    from .formats import default_format_names, format_names

    parser.add_argument("--year", required=True, help="year ending March, e.g. 2020 or 2019-20")
    parser.add_argument("--council", action="append", metavar="NAME", help="a council (name or code); repeat for several; default: every council of the year")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR", help="folder with the case tables (default: the sample data)")
    parser.add_argument("--out", type=Path, default=Path("outputs"), metavar="DIR", help="output folder (default: outputs)")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: number of cores)")
    parser.add_argument("--formats", default=",".join(default_format_names()),
                        help=f"comma-separated: {','.join(format_names())} (default: {','.join(default_format_names())})")
    parser.add_argument("--force", action="store_true", help="rewrite letters even when their inputs are unchanged")
    parser.add_argument("--timeout", type=float, default=300, metavar="S", help="seconds allowed per letter (default: 300)")
    parser.add_argument("--overrides", type=Path, default=None, metavar="FILE", help="addressees CSV (default: addressees.csv beside the year's parameters file)")
    parser.add_argument("--no-reports", action="store_true", help="letters only: skip the national review and the statistics pack")
    parser.add_argument("--reports", action="store_true",
                        help="with --council: also make the year's national review and statistics pack "
                             "(a run without --council makes them; one with it, only its letters)")
    parser.add_argument("--final", action="store_true", help="refuse a year whose parameters list unconfirmed facts (no DRAFT letters), and letters with no named addressee")
    parser.add_argument("--allow-unnamed", action="store_true", help="with --final: send letters with no named addressee (\"Dear Chief Executive\"); recorded in the manifest")
    parser.add_argument("--executor", type=_executor_name, default="pool", metavar="NAME",
                        help="pool: forked workers, one warm kernel each (default); serial: one letter after another "
                             "in this process (debugging; platforms without fork)")
    parser.add_argument("--notebook", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or summary on stderr")


def _executor_name(text: str) -> str:
    """An ``--executor`` value: one of the batch's executors (``batch.executors.EXECUTORS``)."""
    from .batch.executors import EXECUTORS  # late: only the letters command needs the batch

    if text not in EXECUTORS:
        raise argparse.ArgumentTypeError(f"unknown executor {text!r}; choose one of: {', '.join(EXECUTORS)}")
    return text


def cmd_letters(args: argparse.Namespace) -> int:
    """Run ``lgsco-report letters``; return the exit code.

    0 ok, 1 some letters failed, 2 refused (bad input, folder not ours, another
    batch running), 3 the kernel cannot start, 4 disk full, 130 interrupted.
    """
    from .batch import EXIT_DISK_FULL, EXIT_USAGE, run_batch
    from .batch.layout import disk_full_message, is_disk_full

    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = run_batch(
            year=args.year,
            councils=args.council,
            data_dir=args.data,
            out_dir=args.out,
            workers=args.workers,
            formats=tuple(args.formats.split(",")),
            force=args.force,
            timeout=args.timeout,
            progress=not getattr(args, "no_progress", False),
            notebook=getattr(args, "notebook", None),
            reports=wants_reports(args),
            overrides=getattr(args, "overrides", None),
            final=getattr(args, "final", False),
            allow_unnamed=getattr(args, "allow_unnamed", False),
            executor=getattr(args, "executor", "pool"),
        )
    except LgscoReportError as error:  # bad input, a folder not ours, an unreadable manifest: one line
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        if not is_disk_full(error):
            raise
        print(f"error: {disk_full_message(args.out)}", file=sys.stderr)
        return EXIT_DISK_FULL
    if not wants_reports(args) and not getattr(args, "no_reports", False) and not getattr(args, "no_progress", False):
        print(f"national review and statistics pack: not made by a run for named councils; "
              f"`lgsco-report letters --year {args.year}` (or add --reports) makes them", file=sys.stderr)
    return result.exit_code


def wants_reports(args: argparse.Namespace) -> bool:
    """Whether ``letters`` makes the year's national review and statistics pack.

    A run for the whole year does (unless ``--no-reports``). A run for named
    councils (``--council``) is an analyst remaking a few letters: the national
    review and pack are the year's, not theirs, cost more than a letter, and are
    left as they are unless ``--reports`` asks for them.
    """
    if getattr(args, "no_reports", False):
        return False
    return not getattr(args, "council", None) or getattr(args, "reports", False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lgsco-report",
        description="Annual review letters of the Local Government and Social Care Ombudsman.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    councils = sub.add_parser("councils", help="list the councils that get a letter for a year")
    councils.add_argument("--year", type=_year, required=True, help="year ending March, e.g. 2020 or 2019-20")
    councils.add_argument("--format", choices=("table", "csv"), default="table")
    councils.add_argument("--overrides", type=existing_file, help="CSV of addressee details (council, chief_executive_name, chief_executive_title)")
    councils.set_defaults(func=cmd_councils)

    sample = sub.add_parser("sample-data", help="write the labelled sample case data (years ending March 2019-2024)")
    sample.add_argument("--out", type=output_folder, help="folder to write to (default: data/sample in the project)")
    sample.add_argument("--seed", type=seed_number, default=2020, help="random seed (default 2020); same seed, same files")
    sample.set_defaults(func=cmd_sample_data)

    stats = sub.add_parser("stats", help="write every council's figures for a year (.csv, or .xlsx: the annotated statistics workbook)")
    stats.add_argument("--year", type=_year, required=True)
    stats.add_argument("--data", type=existing_folder, help="folder with received, decided and compliance tables (default: sample data)")
    stats.add_argument("--out", type=output_file(STATS_SUFFIXES), required=True, help="output file ending .csv or .xlsx")
    stats.add_argument("--average-method", choices=("pooled", "mean"), default="pooled",
                       help="average for similar councils: pooled rate (default) or mean of council rates")
    stats.set_defaults(func=cmd_stats)

    template = sub.add_parser("figures-template", help="write an empty council-level figures table for a year (.csv or .xlsx) to fill in")
    template.add_argument("--year", type=_year, required=True, help="year ending March, e.g. 2025 or 2024-25")
    template.add_argument("--out", type=output_file(STATS_SUFFIXES), required=True, help="output file ending .csv or .xlsx")
    template.set_defaults(func=cmd_figures_template)

    init = sub.add_parser("init", help="write an editable copy of the notebooks and parameters to a folder")
    init.add_argument("directory", help="folder to create (must not already hold notebooks/ or parameters/)")
    init.set_defaults(func=cmd_init)

    letters = sub.add_parser("letters", help="write every council's letter for a year (papermill + nbconvert)")
    add_letters_arguments(letters)
    add_checks(letters, LETTERS_CHECKS)
    letters.set_defaults(func=cmd_letters)
    send = sub.add_parser("send", help="email each council its letter (dry run unless --send), recorded in sent.json")
    add_send_arguments(send)
    send.set_defaults(func=cmd_send)
    site = sub.add_parser("site", help="write the multi-year site: every council's years on one page (static HTML)")
    site.add_argument("--years", help="years ending March, e.g. 2020-2024 (default: every year in the data)")
    site.add_argument("--data", type=existing_folder, help="folder with the case tables (default: sample data)")
    site.add_argument("--letters", type=Path, default=Path("outputs"), help="folder of the year folders whose letters to link (default outputs)")
    site.add_argument("--out", type=output_folder, default=Path("outputs") / "site", help="folder to write the site to (default outputs/site)")
    site.add_argument("--force", action="store_true", help="rewrite every page, changed or not")
    site.set_defaults(func=cmd_site)
    return parser


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The subcommand's own parser, so its errors carry its usage line."""
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:  # noqa: SLF001
            return action.choices[command]
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "council", None) and getattr(args, "year", None):
        check_councils_in_year(_subparser(parser, args.command), args)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except LgscoReportError as exc:
        # User-fixable problems (bad data, unknown council, a refused folder): one clear message.
        # Anything else is a bug in this program and keeps its traceback.
        print(f"lgsco-report: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        from .batch.layout import is_disk_full  # late: only a failed write needs it

        if not is_disk_full(exc):
            raise
        print(f"lgsco-report: error: {exc}", file=sys.stderr)  # disk full: free space, then run it again
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
