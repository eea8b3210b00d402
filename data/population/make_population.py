"""Make ``lgsco_report/data/population_england.csv`` from the ONS mid-year estimates.

Why a script kept beside the data: the carried table must be remade the same way
when a newer estimate is added, and a reader must be able to see where each
figure came from. Not part of the package (it needs ``rdata``, which the package
does not depend on); run it in a throwaway environment:

    python -m venv /tmp/rda-venv && /tmp/rda-venv/bin/pip install rdata pandas
    /tmp/rda-venv/bin/python data/population/make_population.py DEMOGRAPHR_GIT_DIR lgsco_report/data/population_england.csv

``DEMOGRAPHR_GIT_DIR`` is a clone (or bare git directory) of the humaniverse
``demographr`` R package (https://github.com/humaniverse/demographr), whose
``data/*.rda`` files are the ONS tables read as published (its
``data-raw/query_urls.R`` names each ONS file). Read from it:

* ``population19_ltla19``, ``population19_utla19``: ONS mid-2019 estimates on
  April 2019 geography (``ukmidyearestimates20192019ladcodes.xls``, MYE2 persons);
* ``population20_ltla20``: ONS mid-2020 estimates on 2020 geography
  (``ukpopestimatesmid2020on2020geography.xls``);
* ``population20_ltla21``, ``population20_utla20``: ONS mid-2020 estimates on
  2021 geography (``ukpopestimatesmid2020on2021geography.xls``).

Two kinds of row are sums of those estimates, named as such in ``source``:
a county council ONS gave no row for at that geography (Northamptonshire at
mid-2020) is the sum of its districts (``district_counties.csv``), as ONS itself
builds county figures; a council created after the latest estimate (the 2023 unitary
councils) is the sum of the latest estimates of the districts it replaced (the
register's ``replaced-by``). Only councils in the register are kept.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "lgsco_report" / "data"

#: (demographr data set, ONS mid-year, source text).
TABLES = (
    ("population19_ltla19", 2019, "ONS mid-2019 estimates, April 2019 geography"),
    ("population19_utla19", 2019, "ONS mid-2019 estimates, April 2019 geography"),
    ("population20_ltla20", 2020, "ONS mid-2020 estimates, 2020 geography"),
    ("population20_ltla21", 2020, "ONS mid-2020 estimates, 2021 geography"),
    ("population20_utla20", 2020, "ONS mid-2020 estimates, 2021 geography"),
)


def read_table(git_dir: Path, name: str) -> pd.DataFrame:
    """(gss_code, population) of one demographr data set, read from its git directory."""
    import rdata  # only this script needs it

    blob = subprocess.run(["git", "-C", str(git_dir), "show", f"HEAD:data/{name}.rda"], check=True,
                          capture_output=True).stdout
    frame = rdata.read_rda(io.BytesIO(blob))[name]
    return pd.DataFrame({"gss_code": frame.iloc[:, 0].astype(str),
                         "population": frame["total_population"].astype("int64")})


def estimates(git_dir: Path) -> pd.DataFrame:
    """Every (gss_code, mid_year) the ONS tables give, the first table's row where two give one."""
    parts = []
    for name, mid_year, source in TABLES:
        part = read_table(git_dir, name)
        part["mid_year"], part["source"] = mid_year, source
        parts.append(part)
    stacked = pd.concat(parts, ignore_index=True)
    return stacked.drop_duplicates(["gss_code", "mid_year"], keep="first")


def summed(found: pd.DataFrame, code: str, parts: list[str], mid_year: int) -> dict | None:
    """A row for ``code`` at ``mid_year``: the sum of ``parts``' estimates (None unless every part has one)."""
    rows = found[(found["mid_year"] == mid_year) & found["gss_code"].isin(parts)]
    if not parts or len(rows) != len(set(parts)):
        return None
    return {"gss_code": code, "mid_year": mid_year, "population": int(rows["population"].sum()),
            "source": f"sum of ONS mid-{mid_year} estimates of {' '.join(sorted(parts))}"}


def with_sums(found: pd.DataFrame, register: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """``found`` plus summed rows for counties and successor councils missing at a mid-year."""
    by_register_code = dict(zip(register["local-authority-code"], register["gss-code"]))
    successors: dict[str, list[str]] = {}
    for code, kind, replaced_by in zip(register["gss-code"], register["local-authority-type"], register["replaced-by"]):
        if kind != "NMD":  # districts only: a county's residents are its districts'
            continue
        for successor in filter(None, replaced_by.split(",")):
            successors.setdefault(by_register_code.get(successor.strip(), ""), []).append(code)
    extra = []
    for mid_year in sorted(found["mid_year"].unique()):
        have = set(found.loc[found["mid_year"] == mid_year, "gss_code"])
        for county, districts in counties.groupby("county_code")["district_code"]:
            if county not in have and (row := summed(found, county, list(districts), mid_year)):
                extra.append(row)
    # A successor ONS has no row for at all: its predecessors' latest estimates.
    latest = int(found["mid_year"].max())
    for code, parts in successors.items():
        if code and code not in set(found["gss_code"]) and (row := summed(found, code, parts, latest)):
            extra.append(row)
    return pd.concat([found, pd.DataFrame(extra)], ignore_index=True)


def main(git_dir: str, out: str) -> None:
    register = pd.read_csv(DATA / "councils_england.csv", dtype=str, keep_default_na=False)
    counties = pd.read_csv(DATA / "district_counties.csv", dtype=str, keep_default_na=False)
    table = with_sums(estimates(Path(git_dir)), register, counties)
    table = table[table["gss_code"].isin(set(register["gss-code"]))]
    table = table.sort_values(["gss_code", "mid_year"], kind="stable")[["gss_code", "mid_year", "population", "source"]]
    Path(out).write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
