"""Which councils the site has a page for, what they were called, and who came before or after.

Every council with figures in one of the site's years gets a page, former
councils included. From the register: the names it is found by (official,
short, other names), its GSS codes (the current one and any former ones), its
last day, and the councils it became (``register.successors``); the councils it
was made from are the reverse of that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import register
from .slugs import checked_slug, council_slugs


@dataclass
class Council:
    code: str
    name: str
    short_name: str
    authority_type: str
    slug: str
    years: list[int]
    former_codes: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()
    last_day: object = None
    successors: list[str] = field(default_factory=list)  # GSS codes
    predecessors: list[str] = field(default_factory=list)
    predecessor_names: list[str] = field(default_factory=list)  # found by them too: a merged council's former names

    @property
    def search_text(self) -> str:
        """What a search matches besides the name shown: short and other names, GSS codes (current and former)."""
        extra = [n for n in (self.short_name, *self.other_names, *self.predecessor_names) if n.lower() not in self.name.lower()]
        return " ".join([*extra, self.code, *self.former_codes])


def _register_rows() -> dict[str, pd.Series]:
    frame = register.all_councils()
    return {row["authority_code"]: row for _, row in frame.drop_duplicates("authority_code").iterrows()}


def _other_names(row: pd.Series | None) -> tuple[str, ...]:
    if row is None:
        return ()
    names = [n.strip() for n in str(row.get("alt_names", "") or "").split(",") if n.strip()]
    return tuple(dict.fromkeys(n for n in names if n.lower() != str(row["authority_name"]).lower()))


def site_councils(councils: pd.DataFrame, years: list[int]) -> dict[str, Council]:
    """GSS code -> ``Council`` for every council with a row of ``Statistics.councils`` in ``years``."""
    rows = councils[councils["year"].isin(years)].sort_values(["authority_name", "year"], kind="stable")
    latest = rows.drop_duplicates("authority_code", keep="last")
    slugs = council_slugs(zip(latest["authority_code"], latest["authority_name"]))
    held = _register_rows()
    found: dict[str, Council] = {}
    for record in latest.to_dict("records"):
        code = str(record["authority_code"])
        row = held.get(code)
        found[code] = Council(
            code=code, name=str(record["authority_name"]), short_name=str(record.get("short_name") or record["authority_name"]),
            authority_type=str(record["authority_type"]), slug=checked_slug(slugs[code]),
            years=sorted(int(y) for y in rows.loc[rows["authority_code"] == code, "year"]),
            former_codes=tuple(row["former_codes"]) if row is not None else (),
            other_names=_other_names(row), last_day=register.last_day(row) if row is not None else None,
            successors=[str(s["authority_code"]) for s in register.successors(code)],
        )
    for code, council in found.items():
        for successor in council.successors:
            if successor in found:
                found[successor].predecessors.append(code)
                found[successor].predecessor_names.append(council.name)
    return found
