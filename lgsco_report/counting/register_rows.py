"""The rows counts are kept in: one per council of each year's register (and a former council's
legacy decisions), and where a case outside them goes (``unassigned``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..definitions import (
    AUTHORITY_TYPES,
)
from ..inputs.schema import LEGACY_TABLES
from .model import COUNCIL_EXTRA_COLUMNS, REGISTER_COLUMNS, RegisterFunction, _REQUIRED_REGISTER_COLUMNS


def _register_keys(register_rows: pd.DataFrame) -> pd.MultiIndex:
    """(year, authority_code) of each register row: where each case is counted."""
    return pd.MultiIndex.from_arrays(
        [register_rows["year"].to_numpy(), register_rows["authority_code"].to_numpy()], names=["year", "authority_code"]
    )


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """Authority codes as an object array, a missing code as ``""``."""
    return frame["authority_code"].astype(object).where(frame["authority_code"].notna(), "").to_numpy(dtype=object)


def _unassigned_frame(years: np.ndarray, codes: np.ndarray, table: str) -> pd.DataFrame:
    """(year, table, authority_code, count) for cases outside the register."""
    if len(years) == 0:
        return pd.DataFrame(
            {
                "year": pd.Series([], dtype="int64"),
                "table": pd.Series([], dtype=object),
                "authority_code": pd.Series([], dtype=object),
                "count": pd.Series([], dtype="int64"),
            }
        )
    counts = (
        pd.DataFrame({"year": years, "authority_code": codes})
        .groupby(["year", "authority_code"], sort=True)
        .size()
        .rename("count")
        .reset_index()
    )
    counts.insert(1, "table", table)
    counts["count"] = counts["count"].astype("int64")
    counts["year"] = counts["year"].astype("int64")
    return counts


def _register_rows(councils_for_year: RegisterFunction, years: Iterable[int]) -> pd.DataFrame:
    """Each year's register (read once per year), stacked with a ``year`` column."""
    frames = []
    for year in years:
        frame = councils_for_year(year)
        missing = [column for column in _REQUIRED_REGISTER_COLUMNS if column not in frame.columns]
        if missing:
            raise ValueError(f"register for {year} lacks column(s) {', '.join(missing)}")
        duplicated = frame["authority_code"][frame["authority_code"].duplicated()]
        if not duplicated.empty:
            raise ValueError(f"register for {year} lists council(s) {', '.join(map(str, duplicated.unique()))} twice")
        unknown_types = sorted(set(frame["authority_type"].dropna()) - set(AUTHORITY_TYPES))
        if unknown_types or frame["authority_type"].isna().any():
            raise ValueError(
                f"register for {year}: authority_type must be one of {', '.join(AUTHORITY_TYPES)}; "
                f"found {', '.join(map(repr, unknown_types)) or 'empty values'}"
            )
        columns = {column: frame[column].to_numpy(dtype=object) for column in ("authority_code", "authority_name", "authority_type")}
        columns["population"] = pd.to_numeric(frame["population"], errors="coerce").to_numpy(dtype="float64")
        for column in COUNCIL_EXTRA_COLUMNS:
            columns[column] = frame[column].to_numpy() if column in frame.columns else np.full(len(frame), np.nan)
        part = pd.DataFrame(columns)
        part.insert(0, "year", np.full(len(frame), year, dtype="int64"))
        frames.append(part)
    if not frames:
        columns = ["year", "authority_code", "authority_name", "authority_type", "population", *COUNCIL_EXTRA_COLUMNS]
        return pd.DataFrame({column: pd.Series([], dtype="int64" if column == "year" else object) for column in columns})
    return pd.concat(frames, ignore_index=True)


def _with_legacy_rows(
    register_rows: pd.DataFrame, tables: dict[str, pd.DataFrame], case_years: dict[str, np.ndarray],
    all_councils: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """The register rows, plus a row for each former council with legacy decisions in a year after its end.

    A legacy decision (or compliance outcome) is one dated after the council was
    abolished, on a complaint made before (``inputs`` checks the rule). Such rows
    are marked ``former`` with their ``successor_codes`` (GSS, comma-separated) and
    follow their year's register rows; without any, the rows are returned unchanged
    (no ``former`` column).
    """
    keys = _register_keys(register_rows)
    pairs = [
        pd.DataFrame({"year": case_years[name], "authority_code": _codes(tables[name])})
        for name in LEGACY_TABLES
    ]
    found = pd.concat(pairs, ignore_index=True).drop_duplicates()
    found = found[keys.get_indexer(pd.MultiIndex.from_frame(found)) < 0] if len(found) else found
    if found.empty:
        return register_rows
    return legacy_register_rows(register_rows, found, all_councils())


def legacy_register_rows(register_rows: pd.DataFrame, pairs: pd.DataFrame, councils: pd.DataFrame) -> pd.DataFrame:
    """``register_rows`` with a ``former`` row for each (year, authority_code) of ``pairs`` whose council ended before that year.

    ``councils`` is ``register.all_councils()``. Pairs of councils that did not end
    before the year (not yet created, or unknown) get no row: they stay unassigned.
    """
    from .. import register as council_register

    merged = pairs.merge(councils, on="authority_code", how="inner")
    ended = merged["end_date"].notna() & (pd.to_datetime(merged["end_date"]) < pd.to_datetime(merged["year"].astype(str) + "-03-31"))
    merged = merged[ended].drop_duplicates(["year", "authority_code"], keep="last")
    if merged.empty:
        return register_rows
    rows = merged.loc[:, [c for c in REGISTER_COLUMNS if c in merged.columns]].copy()
    rows["year"] = rows["year"].astype("int64")
    rows["population"] = pd.to_numeric(rows["population"], errors="coerce").astype("float64")
    rows["former"] = True
    rows["successor_codes"] = [",".join(s["authority_code"] for s in council_register.successors(code)) for code in rows["authority_code"]]
    current = register_rows.copy()
    current["former"] = False
    current["successor_codes"] = ""
    stacked = pd.concat([current, rows.loc[:, list(current.columns)]], ignore_index=True)
    order = np.lexsort((stacked["former"].to_numpy(), stacked["year"].to_numpy()))  # a year's register rows, then its former councils
    return stacked.iloc[order].reset_index(drop=True)


def _plain_sources(sources: Any) -> tuple[dict[str, str], ...]:
    """SourceFile objects as plain dicts (so the cache does not depend on the inputs package)."""
    plain = []
    for source in sources or []:
        plain.append({name: str(getattr(source, name, "")) for name in ("table", "path", "sha256")})
    return tuple(plain)
