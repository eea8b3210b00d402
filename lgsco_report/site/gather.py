"""The site's inputs, read once: cases and statistics, decision groups, letters, reports, improvements.

Statistics are computed once for every year in the data (``compute_statistics``);
the public reports and agreed service improvements are listed case by case
from the optional tables, with each case's category from the decided table.
The grouping of decision outcomes under the Ombudsman's headings is the
newest ``decision_groups`` of the year parameters, used for every year so the
split reads the same across years.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .. import inputs as case_inputs
from .. import stats, yearparams
from ..definitions import SERVICE_IMPROVEMENT_TYPES, financial_year
from ..errors import SiteError
from ..formatting import long_date
from .context import SiteInputs
from .directory import site_councils
from .letters import year_index, year_letters


def decision_groups(years: list[int]) -> dict[str, tuple[str, ...]]:
    """The newest ``decision_groups`` among the parameters of ``years`` and later years that have them."""
    for year in sorted(set(years) | set(range(max(years), max(years) + 3)), reverse=True):
        try:
            groups = yearparams.load_year_parameters(year).decision_groups
        except (OSError, ValueError):
            continue
        if groups:
            return {key: tuple(outcomes) for key, outcomes in groups.items()}
    raise SiteError("no parameters/<year>.yaml of the site's years has decision_groups; add them (see parameters/2024.yaml)")


def _categories(cases: Any) -> pd.DataFrame:
    return cases.decided.loc[:, ["case_ref", "authority_code", "category"]].drop_duplicates(["case_ref", "authority_code"])


def report_lists(statistics: Any, cases: Any) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """(council, year) -> the public reports issued that year, by date: case reference, category, kind, date."""
    if not statistics.has_reports or statistics.report_list is None:
        return {}
    frame = statistics.report_list.merge(_categories(cases), on=["case_ref", "authority_code"], how="left")
    found: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in frame.sort_values(["report_date", "case_ref"], kind="stable").to_dict("records"):
        found.setdefault((str(row["authority_code"]), int(row["year"])), []).append({
            "case_ref": str(row["case_ref"]), "kind": str(row["kind"]),
            "category": str(row["category"]) if isinstance(row["category"], str) else "", "date": long_date(row["report_date"].date()),
        })
    return found


def _action(row: dict[str, Any]) -> dict[str, str]:
    done = row["completed_date"]
    return {"type": str(row["remedy_type"]), "agreed": long_date(row["agreed_date"].date()),
            "due": long_date(row["due_date"].date()),
            "completed": None if pd.isna(done) else long_date(done.date())}


def improvement_lists(cases: Any) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """(council, year agreed) -> the cases with service improvements agreed: case, category, the actions."""
    remedies = getattr(cases, "remedies", None)
    if remedies is None:
        return {}
    frame = remedies[remedies["remedy_type"].isin(SERVICE_IMPROVEMENT_TYPES)].copy()
    frame["year"] = financial_year(frame["agreed_date"])
    frame = frame.merge(_categories(cases), on=["case_ref", "authority_code"], how="left")
    cases_by_year: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
    for row in frame.sort_values(["agreed_date", "case_ref"], kind="stable").to_dict("records"):
        listed = cases_by_year.setdefault((str(row["authority_code"]), int(row["year"])), {})
        category = row["category"]
        case = listed.setdefault(str(row["case_ref"]), {
            "case_ref": str(row["case_ref"]), "category": category if isinstance(category, str) else "", "actions": []})
        case["actions"].append(_action(row))
    return {key: list(listed.values()) for key, listed in cases_by_year.items()}


def gather(data_dir: Path | None, years: list[int] | None, out_dir: Path, letters_dir: Path | None) -> SiteInputs:
    """Load the data and everything else the pages need; ``SiteError`` for a year the data lacks."""
    cases = case_inputs.load(case_inputs.data_folder(data_dir or ""))
    statistics = stats.compute_statistics(cases)
    chosen = sorted(set(years)) if years else list(statistics.years)
    missing = [y for y in chosen if y not in statistics.years]
    if missing:
        raise SiteError(f"no data for the year(s) ending March {', '.join(map(str, missing))}; "
                        f"the data covers {', '.join(map(str, statistics.years))}")
    letters_dir = Path(letters_dir) if letters_dir is not None else None
    return SiteInputs(
        statistics=statistics, years=chosen, groups=decision_groups(chosen),
        councils=site_councils(statistics.councils, chosen),
        letters={y: year_letters(letters_dir, y) for y in chosen} if letters_dir else {},
        indexes={y: year_index(letters_dir, y) for y in chosen} if letters_dir else {},
        reports=report_lists(statistics, cases), improvements=improvement_lists(cases), out_dir=Path(out_dir).resolve(),
    )


def parse_years(text: str) -> list[int]:
    """``"2020-2024"`` (a range of years ending March), ``"2024"``, ``"2019-20"`` or a comma list of these."""
    from ..definitions import parse_year

    years: set[int] = set()
    for part in (p.strip() for p in str(text).split(",")):
        first, _, last = part.partition("-")
        try:
            if len(first) == 4 and len(last) == 4 and first.isdigit() and last.isdigit():
                if int(last) < int(first):
                    raise ValueError(f"the range {part!r} runs backwards")
                years.update(range(int(first), int(last) + 1))
            else:
                years.add(parse_year(part))
        except ValueError as error:
            raise SiteError(f"--years {text!r}: {error}; give e.g. 2020-2024, 2024 or 2019-20") from None
    return sorted(years)
