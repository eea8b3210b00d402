"""The ``lgsco-report`` command: councils, sample-data, stats, letters.

Each subcommand is a thin wrapper over a module function, so what the command
does a notebook or a test can do by calling the same function. Errors a user can
fix (bad data, unknown council, missing file) are printed as one clear message
with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .definitions import parse_year


def _year(value: str) -> int:
    try:
        return parse_year(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    from .sample import default_data_dir, write_sample_data

    out = Path(args.out) if args.out else default_data_dir()
    paths = write_sample_data(out, seed=args.seed)
    for path in paths:
        print(path)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from .cases import load_cases
    from .sample import ensure_sample_data
    from .stats import compute_statistics, write_published_table

    data_dir = Path(args.data) if args.data else ensure_sample_data()
    cases = load_cases(data_dir)
    statistics = compute_statistics(cases, average_method=args.average_method)
    out = Path(args.out)
    if out.suffix.lower() == ".xlsx":  # the same annotated workbook as the batch's statistics.xlsx
        from .statistics_pack import write_workbook

        if not out.parent.is_dir():
            raise FileNotFoundError(f"{out}: folder {out.parent} does not exist; create it first")
        write_workbook(statistics, args.year, out)
    else:
        write_published_table(statistics, args.year, out)
    print(args.out)
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .workbook import init_workbook

    written = init_workbook(Path(args.directory))
    for path in written:
        print(path)
    print(f"workbook written to {args.directory}: edit its notebooks and parameters, then run "
          f"lgsco-report from inside it (or set LGSCO_REPORT_WORKBOOK={args.directory})", file=sys.stderr)
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    from .sending import main as send_main

    return send_main(args)


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
    councils.add_argument("--overrides", type=Path, help="CSV of addressee details (council, chief_executive_name, chief_executive_title)")
    councils.set_defaults(func=cmd_councils)

    sample = sub.add_parser("sample-data", help="write the labelled sample case data (years ending March 2019-2024)")
    sample.add_argument("--out", help="folder to write to (default: data/sample in the project)")
    sample.add_argument("--seed", type=int, default=2020, help="random seed (default 2020); same seed, same files")
    sample.set_defaults(func=cmd_sample_data)

    stats = sub.add_parser("stats", help="write every council's figures for a year (.csv, or .xlsx: the annotated statistics workbook)")
    stats.add_argument("--year", type=_year, required=True)
    stats.add_argument("--data", help="folder with received, decided and compliance tables (default: sample data)")
    stats.add_argument("--out", required=True, help="output file ending .csv or .xlsx")
    stats.add_argument("--average-method", choices=("pooled", "mean"), default="pooled",
                       help="average for similar councils: pooled rate (default) or mean of council rates")
    stats.set_defaults(func=cmd_stats)

    init = sub.add_parser("init", help="write an editable copy of the notebooks and parameters to a folder")
    init.add_argument("directory", help="folder to create (must not already hold notebooks/ or parameters/)")
    init.set_defaults(func=cmd_init)

    try:
        from . import batch
    except ImportError:  # the batch module is optional until installed with its dependencies
        batch = None
    if batch is not None:
        letters = sub.add_parser("letters", help="write every council's letter for a year (papermill + nbconvert)")
        batch.add_arguments(letters)
        letters.set_defaults(func=batch.main)
    send = sub.add_parser("send", help="email each council its letter (dry run unless --send), recorded in sent.json")
    from . import sending

    sending.add_arguments(send)
    send.set_defaults(func=cmd_send)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, FileExistsError, PermissionError) as exc:
        # User-fixable problems (bad data, unknown council, unwritable path): one clear message.
        print(f"lgsco-report: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
