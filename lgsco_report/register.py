"""The register of English councils: who gets a letter in a given year.

The register is a carried copy of mySociety's UK local authorities register
(MIT licence, see ``data/councils_england.LICENSE``), cut down to English
councils and the columns the letters need. Rules (domain.md): a council is in
year Y's letters (year ending 31 March Y) when its start date is empty or on or
before Y-03-31 and its end date is empty or on or after Y-03-31. The register
writes end dates both as the last day and as the successor's first day; the
rule handles both.

Addressee details are not in the register; a user supplies them in an
addressees CSV (``parameters/addressees.csv``) with a ``council`` column and
any of ``ADDRESSEE_COLUMNS`` (names, titles and emails of the chief executive,
Link Officer and Monitoring Officer; all optional).

How a name reads in a sentence is decided here once (``name_in_text``): "the
London Borough of Lambeth", but "Kent County Council".
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from .definitions import REGISTER_TYPE_TO_AUTHORITY_TYPE, parse_year, year_end
from .errors import AmbiguousCouncilError, RegisterOverridesError, UnknownCouncilError

REGISTER_FILE = "councils_england.csv"
#: ONS mid-year population estimates of the register's councils (``data/population/make_population.py``).
POPULATION_FILE = "population_england.csv"

#: Columns of every frame this module returns, in order.
COUNCIL_COLUMNS: tuple[str, ...] = (
    "authority_code",
    "register_code",
    "authority_name",
    "short_name",
    "authority_type",
    "population",
    "region",
    "lat",
    "long",
    "former_codes",
    "chief_executive_name",
    "chief_executive_title",
    "chief_executive_email",
    "link_officer_name",
    "link_officer_title",
    "link_officer_email",
    "monitoring_officer_name",
    "monitoring_officer_title",
    "monitoring_officer_email",
)

#: The addressees file's optional columns (contract with the "word" helper).
ADDRESSEE_COLUMNS: tuple[str, ...] = COUNCIL_COLUMNS[COUNCIL_COLUMNS.index("chief_executive_name"):]
OVERRIDE_COLUMNS = ("council",) + ADDRESSEE_COLUMNS
#: A plain e-mail address: one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def normalise_name(text: object) -> str:
    """Case-, space- and punctuation-insensitive form used for every look-up."""
    value = str(text).strip().lower().replace("&", " and ")
    value = value.replace("\u2019", "'")
    value = re.sub(r"[.,']", "", value)
    return re.sub(r"\s+", " ", value).strip()


@functools.lru_cache(maxsize=1)
def population_estimates() -> dict[str, tuple[int, int]]:
    """GSS code -> (population, mid-year) of the latest ONS mid-year estimate carried for that council."""
    with resources.files("lgsco_report.data").joinpath(POPULATION_FILE).open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, dtype={"gss_code": str, "mid_year": int, "population": int})
    latest = table.sort_values("mid_year", kind="stable").drop_duplicates("gss_code", keep="last")
    return {code: (int(n), int(year)) for code, n, year in zip(latest["gss_code"], latest["population"], latest["mid_year"])}


@functools.lru_cache(maxsize=1)
def register_populations() -> dict[str, float]:
    """GSS code -> the register's own ``pop-2020`` (NaN where it has none): what the sample's volumes were drawn
    from, so the sample stays the same whatever estimates are carried."""
    with resources.files("lgsco_report.data").joinpath(REGISTER_FILE).open("r", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False, usecols=["gss-code", "pop-2020"])
    return dict(zip(raw["gss-code"], pd.to_numeric(raw["pop-2020"].replace("", None), errors="coerce")))


def population_mid_year(code: str) -> int | None:
    """The mid-year of the ONS estimate that gives ``code`` its population (None: no estimate carried)."""
    estimate = population_estimates().get(code)
    return estimate[1] if estimate else None


@functools.lru_cache(maxsize=1)
def _register_frame() -> pd.DataFrame:
    with resources.files("lgsco_report.data").joinpath(REGISTER_FILE).open("r", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    frame = pd.DataFrame(
        {
            "authority_code": raw["gss-code"],
            "register_code": raw["local-authority-code"],
            # The register has stray double spaces ("North Somerset  Council"): letters print single ones.
            "authority_name": raw["official-name"].str.split().str.join(" "),
            "short_name": raw["nice-name"].str.split().str.join(" "),
            "authority_type": raw["local-authority-type"].map(REGISTER_TYPE_TO_AUTHORITY_TYPE),
            # The latest ONS estimate carried (mid-2020; mid-2019 for a council gone before then), else the register's.
            "population": raw["gss-code"].map(lambda code: (population_estimates().get(code) or (None,))[0]).fillna(
                pd.to_numeric(raw["pop-2020"].replace("", None), errors="coerce")).astype("float64"),
            "region": raw["region"],
            "lat": pd.to_numeric(raw["lat"].replace("", None), errors="coerce"),
            "long": pd.to_numeric(raw["long"].replace("", None), errors="coerce"),
            "former_codes": raw["former-gss-codes"].map(
                lambda s: tuple(c.strip() for c in s.split(",") if c.strip())
            ),
            **{column: None for column in ADDRESSEE_COLUMNS},
            "start_date": pd.to_datetime(raw["start-date"].replace("", None)),
            "end_date": pd.to_datetime(raw["end-date"].replace("", None)),
            "replaced_by": raw["replaced-by"],
            "alt_names": raw["alt-names"],
        }
    )
    return frame.sort_values("authority_name", kind="stable").reset_index(drop=True)


def all_councils() -> pd.DataFrame:
    """Every English council the register knows, past and present (a copy)."""
    return _register_frame().copy()


def _exists_on(frame: pd.DataFrame, date: _dt.date) -> pd.Series:
    day = pd.Timestamp(date)
    return (frame["start_date"].isna() | (frame["start_date"] <= day)) & (
        frame["end_date"].isna() | (frame["end_date"] >= day)
    )


@functools.lru_cache(maxsize=32)
def _councils_for_year(year: int) -> pd.DataFrame:
    frame = _register_frame()
    in_year = frame[_exists_on(frame, year_end(year))]
    return in_year.loc[:, list(COUNCIL_COLUMNS)].reset_index(drop=True)


def councils_for_year(year: int, overrides: Path | str | None = None) -> pd.DataFrame:
    """The councils in year ``year``'s letters (year ending 31 March ``year``).

    One row per council, sorted by official name, with ``COUNCIL_COLUMNS``.
    ``overrides`` is an optional CSV of addressee details (see module doc).
    """
    frame = _councils_for_year(int(year)).copy()
    if overrides is not None:
        frame = apply_overrides(frame, overrides)
    return frame


def council_existed(code: str, date: _dt.date) -> bool:
    """Whether the council with GSS ``code`` existed on ``date``."""
    frame = _register_frame()
    rows = frame[frame["authority_code"] == code]
    return bool(_exists_on(rows, date).any())


@functools.lru_cache(maxsize=1)
def _lookup_table() -> pd.DataFrame:
    """(key, authority_code) pairs: every code and name a council is known by."""
    frame = _register_frame()
    pairs: list[tuple[str, str, int]] = []
    # Priority: codes and official names first, then short names, then alt names,
    # so that a short name shared with an older council resolves predictably.
    for row in frame.itertuples(index=False):
        code = row.authority_code
        pairs.append((normalise_name(code), code, 0))
        pairs.append((normalise_name(row.register_code), code, 0))
        for former in row.former_codes:
            pairs.append((normalise_name(former), code, 1))
        pairs.append((normalise_name(row.authority_name), code, 0))
        pairs.append((normalise_name(row.short_name), code, 2))
        for alt in str(row.alt_names).split(","):
            if alt.strip():
                pairs.append((normalise_name(alt), code, 3))
    table = pd.DataFrame(pairs, columns=["key", "authority_code", "priority"]).drop_duplicates()
    return table


def _candidates(query: str) -> list[str]:
    table = _lookup_table()
    hits = table[table["key"] == normalise_name(query)].sort_values("priority", kind="stable")
    return list(dict.fromkeys(hits["authority_code"]))


#: Words every kind of council name is built from; a query's other words pick the council.
_GENERIC_WORDS = frozenset(
    "council city borough district county metropolitan royal corporation of the and upon on in under with "
    "ua mdc boro".split()
)

#: Short forms people write for a word of a council's name (county abbreviations, "Saint").
_SHORT_FORMS = {
    "saint": "st", "bucks": "buckinghamshire", "beds": "bedfordshire", "berks": "berkshire",
    "cambs": "cambridgeshire", "derbys": "derbyshire", "glos": "gloucestershire", "hants": "hampshire",
    "herts": "hertfordshire", "lancs": "lancashire", "leics": "leicestershire", "lincs": "lincolnshire",
    "northants": "northamptonshire", "notts": "nottinghamshire", "oxon": "oxfordshire", "salop": "shropshire",
    "staffs": "staffordshire", "warks": "warwickshire", "wilts": "wiltshire", "worcs": "worcestershire",
    "yorks": "yorkshire",
}


def _words(text: object) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise_name(text))


def _expanded(query: str) -> str:
    """``"East Herts"`` -> ``"east hertfordshire"``: short forms written out."""
    return " ".join(_SHORT_FORMS.get(word, word) for word in _words(query))


def _query_words(query: str) -> list[set[str]]:
    """The words that pick a council out, each with the forms it may take in a name."""
    # A query of generic words only ("council", "city of") picks nothing out by words.
    significant = [w for w in _words(query) if w not in _GENERIC_WORDS]
    return [{word, _SHORT_FORMS.get(word, word)} for word in significant]


@functools.lru_cache(maxsize=1)
def _council_words() -> dict[str, frozenset[str]]:
    """Every word of every name a council is known by (official, short and alternative names)."""
    words: dict[str, set[str]] = {}
    for row in _register_frame().itertuples(index=False):
        names = [row.authority_name, row.short_name, *str(row.alt_names).split(",")]
        words.setdefault(row.authority_code, set()).update(w for name in names for w in _words(name))
    return {code: frozenset(found) for code, found in words.items()}


def _word_matches(query: str, pool: pd.DataFrame) -> list[str]:
    """Codes of the councils in ``pool`` whose names hold every word of ``query`` ("Hull", "Stoke")."""
    wanted = _query_words(query)
    if not wanted:
        return []
    index = _council_words()
    matches = [
        code for code in pool["authority_code"]
        if all(forms & index.get(code, frozenset()) for forms in wanted)
    ]
    # Generic words settle between matches: "Newcastle City" is Newcastle City Council.
    every_word = set(_words(query))
    narrowed = [code for code in matches if every_word <= index.get(code, frozenset())]
    return narrowed or matches


def _near_word_matches(query: str, pool: pd.DataFrame, n: int) -> list[str]:
    """Codes of the councils sharing most words with ``query``: whole, as a prefix or nearly spelt."""
    wanted = _query_words(query)
    index = _council_words()
    codes = list(pool["authority_code"])
    vocabulary = sorted(set().union(*(index.get(code, frozenset()) for code in codes)))
    scores: dict[str, float] = {}
    for forms in wanted:
        near = {w for form in forms for w in difflib.get_close_matches(form, vocabulary, n=5, cutoff=0.8)}
        for code in codes:
            words = index.get(code, frozenset())
            if forms & words:
                scores[code] = scores.get(code, 0) + 1.0
            elif any(len(f) >= 4 and w.startswith(f) for f in forms for w in words):
                scores[code] = scores.get(code, 0) + 0.75  # "Hereford" -> Herefordshire
            elif near & words:
                scores[code] = scores.get(code, 0) + 0.5
    if not scores:
        return []
    best = max(scores.values())
    return [code for code in codes if scores.get(code) == best][:n]


def _suggest(query: str, names: list[str], n: int = 3) -> list[str]:
    by_key = {normalise_name(name): name for name in names}
    close = difflib.get_close_matches(normalise_name(query), list(by_key), n=n, cutoff=0.6)
    if not close:
        # Fall back to containment so "Cannock" still suggests "Cannock Chase District Council".
        key = normalise_name(query)
        close = [k for k in by_key if key and key in k][:n]
    return [by_key[k] for k in close]


def suggest_councils(query: str, pool: pd.DataFrame | None = None, n: int = 3) -> list[str]:
    """Official names of the councils closest to ``query``.

    Councils whose names share the query's words come first (so "Newcastle" gives
    both Newcastles, not Lancaster), then those whose whole name is spelt closest.
    """
    pool = _register_frame() if pool is None else pool
    names_by_code = dict(zip(pool["authority_code"], pool["authority_name"]))
    by_words = [names_by_code[code] for code in _near_word_matches(query, pool, n)]
    names = list(pool["authority_name"]) + list(pool["short_name"])
    by_spelling = [
        pool.loc[(pool["authority_name"] == s) | (pool["short_name"] == s), "authority_name"].iloc[0]
        for s in _suggest(query, names, n=n)
    ]
    return list(dict.fromkeys(by_words + by_spelling))[: max(n, len(by_words))]


def _exact_matches(query: str, pool_codes: set[str]) -> list[str]:
    """Codes in ``pool_codes`` known exactly by ``query`` (or its short forms written out), best first.

    More than one code at the best priority means the name is ambiguous in the pool.
    """
    index = _lookup_index()
    for key in dict.fromkeys([normalise_name(query), normalise_name(_expanded(query))]):
        hits = [(priority, code) for code, priority in index.get(key, ()) if code in pool_codes]
        if hits:
            best = min(priority for priority, _ in hits)
            return list(dict.fromkeys(code for priority, code in hits if priority == best))
    return []


@functools.lru_cache(maxsize=1)
def _lookup_index() -> dict[str, tuple[tuple[str, int], ...]]:
    """``_lookup_table`` as key -> ((authority_code, priority), ...), for one look-up at a time."""
    index: dict[str, list[tuple[str, int]]] = {}
    for key, code, priority in _lookup_table().itertuples(index=False):
        index.setdefault(key, []).append((code, priority))
    return {key: tuple(pairs) for key, pairs in index.items()}


def find_council(query: str, year: int | str | None = None) -> pd.Series:
    """Look a council up by GSS code, register code, official, short or alternative name.

    Case- and spacing-insensitive. A name not known exactly is matched on its
    words and common short forms ("Hull", "Stoke", "Kings Lynn", "Herts"): it
    resolves when exactly one council's names hold every word, and raises
    ``AmbiguousCouncilError`` listing every match when several do (never picking
    one). With ``year``, only councils in that year's letters match; a council that
    existed at another time gets an error that says when, and what replaced it.
    Unknown names raise ``UnknownCouncilError`` with the closest suggestions.
    """
    frame = _register_frame()
    year = None if year is None else parse_year(year)
    pool = frame if year is None else frame[_exists_on(frame, year_end(year))]
    where = f" for the year ending 31 March {year}" if year is not None else ""
    matches = _exact_matches(query, set(pool["authority_code"]))
    if year is None:
        matches = matches[:1]  # the register reuses a name only for councils of different years
    if not matches and year is not None:
        # An exact name of a council of another year is that council, not a namesake by words.
        _raise_if_outside_year(_exact_matches(query, set(frame["authority_code"])), query, year, frame, pool)
    matches = matches or _word_matches(query, pool)
    if len(matches) == 1:
        return frame[frame["authority_code"] == matches[0]].iloc[0].loc[list(COUNCIL_COLUMNS)].copy()
    if matches:
        _raise_ambiguous(query, where, matches, frame)
    if year is not None:
        _raise_if_outside_year(_word_matches(query, frame), query, year, frame, pool)
    full = suggest_councils(query, pool)
    hint = f" Did you mean: {'; '.join(full)}?" if full else " Run `lgsco-report councils --year YEAR` to list them."
    raise UnknownCouncilError(f"Unknown council {query!r}{where}.{hint}", suggestions=full)


#: An ambiguous name lists at most this many councils in its message (all are in ``suggestions``).
_MAX_LISTED = 12


def _raise_ambiguous(query: str, where: str, codes: list[str], frame: pd.DataFrame) -> None:
    rows = frame.set_index("authority_code").loc[codes]
    names = [f"{name} ({code})" for code, name in zip(codes, rows["authority_name"])]
    more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
    raise AmbiguousCouncilError(
        f"{query!r} matches more than one council{where}: {'; '.join(names[:_MAX_LISTED])}{more}. "
        "Give the full name or the GSS code of the one you mean.",
        suggestions=list(rows["authority_name"]),
    )


def _raise_if_outside_year(codes: list[str], query: str, year: int, frame: pd.DataFrame, pool: pd.DataFrame) -> None:
    """The one council known by ``query`` at another time: say when it existed and what replaced it."""
    if len(codes) != 1:
        return
    row = frame[frame["authority_code"] == codes[0]].iloc[0]
    successors = [c.strip() for c in str(row["replaced_by"]).split(",") if c.strip()]
    successor_names = list(pool.loc[pool["register_code"].isin(successors), "authority_name"])
    namesakes = list(pool.loc[pool["authority_code"].isin(_word_matches(query, pool)), "authority_name"])
    suggestions = list(dict.fromkeys(successor_names + namesakes))
    replaced = f"; it was replaced by {' and '.join(successor_names)}" if successor_names else ""
    hint = f" Did you mean: {'; '.join(suggestions)}?" if suggestions else ""
    raise UnknownCouncilError(
        f"{row['authority_name']} is not in the letters for the year ending 31 March {year}: "
        f"the register has it {_existence_span(row)}{replaced}.{hint}",
        suggestions=[row["authority_name"], *suggestions],
    )


def _existence_span(row: pd.Series) -> str:
    start = row["start_date"]
    end = row["end_date"]
    if pd.notna(start) and pd.notna(end):
        return f"from {start:%d %B %Y} to {end:%d %B %Y}"
    if pd.notna(end):
        return f"until {end:%d %B %Y}"
    if pd.notna(start):
        return f"from {start:%d %B %Y}"
    return "with no dates"


def resolve_authority(values: pd.Series) -> pd.Series:
    """Map each code-or-name to a GSS code (vectorised); NaN where unknown."""
    table = _lookup_table().sort_values("priority", kind="stable").drop_duplicates("key")
    mapping = pd.Series(table["authority_code"].to_numpy(), index=table["key"].to_numpy())
    keys = values.astype(str).map(normalise_name)
    unique = pd.Series(keys.unique())
    resolved = unique.map(mapping)
    return keys.map(pd.Series(resolved.to_numpy(), index=unique.to_numpy())).astype(object)


def _read_addressees(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", comment="#")
    except FileNotFoundError:
        raise RegisterOverridesError(f"{path}: addressees file not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RegisterOverridesError(f"{path}: not a readable CSV file ({exc})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    if "council" not in raw.columns or not set(ADDRESSEE_COLUMNS) & set(raw.columns):
        raise RegisterOverridesError(
            f"{path}, row 1: the header needs column council and at least one of "
            f"{', '.join(ADDRESSEE_COLUMNS)} (e.g. council,chief_executive_name,chief_executive_title)"
        )
    unknown = [c for c in raw.columns if c not in OVERRIDE_COLUMNS]
    if unknown:
        raise RegisterOverridesError(
            f"{path}, row 1: unknown column(s) {', '.join(unknown)}; the columns are {','.join(OVERRIDE_COLUMNS)}"
        )
    return raw


def apply_overrides(frame: pd.DataFrame, path: Path | str, check_emails: bool = True) -> pd.DataFrame:
    """Fill addressee fields from an addressees CSV (``council`` is a code or name).

    Only ``council`` is required; every column of ``ADDRESSEE_COLUMNS`` may be
    left out or left empty. E-mail addresses are checked unless ``check_emails``
    is false (``send`` checks them itself, refusing one council rather than the
    whole run). Errors name the file, row and column.
    """
    path = Path(path)
    raw = _read_addressees(path)
    frame = frame.copy()
    for index, row in raw.iterrows():
        codes = _candidates(row["council"])
        if not codes:
            suggestions = suggest_councils(row["council"])
            hint = f" Did you mean: {'; '.join(suggestions)}?" if suggestions else ""
            raise RegisterOverridesError(
                f"{path}, row {index + 2}, column council: unknown council {row['council']!r}.{hint}"
            )
        selected = frame["authority_code"].isin(codes)
        for column in ADDRESSEE_COLUMNS:
            value = " ".join(str(row.get(column, "")).split())
            if value and check_emails and column.endswith("_email") and not _EMAIL.match(value):
                raise RegisterOverridesError(
                    f"{path}, row {index + 2}, column {column}: {value[:80]!r} is not an e-mail address; "
                    "write it as name@council.gov.uk, or leave the cell empty"
                )
            if value:
                frame.loc[selected, column] = value
    return frame


# --------------------------------------------------------------------------- names in running text

#: Official names that begin with one of these read with "the" in a sentence
#: ("a complaint about the London Borough of Lambeth").
_NAMES_TAKING_THE = (
    "Council of ", "London Borough of ", "Royal Borough of ", "City of London Corporation", "Borough of ",
    "Borough Council of ", "County of ", "County Council of ", "Metropolitan Borough of ", "City and County of ",
    "Corporation of ", "Mayor and ",
)
#: Explicit exceptions to the prefix rule: official name -> takes "the".
#: "City of X" alone is a place used as a council's name ("the City of Westminster");
#: "City of York Council" is a name ending in "Council" and reads without.
NAME_ARTICLE_OVERRIDES: dict[str, bool] = {
    "City of Westminster": True,
}


def takes_the(name: str) -> bool:
    """Whether ``name`` reads with "the" in running text ("about the Council of the Isles of Scilly")."""
    name = " ".join(str(name).split())
    if name in NAME_ARTICLE_OVERRIDES:
        return NAME_ARTICLE_OVERRIDES[name]
    if name.lower().startswith("the "):
        return False  # already has it
    if name.startswith("City of ") and not name.endswith(("Council", "Corporation")):
        return True
    return name.startswith(_NAMES_TAKING_THE)


def name_in_text(name: str, start: bool = False) -> str:
    """A council's name as it reads in a sentence: "the London Borough of Lambeth", or
    "The London Borough of Lambeth" when ``start`` (at the start of a sentence)."""
    name = " ".join(str(name).split())
    if takes_the(name):
        return ("The " if start else "the ") + name
    return name[:1].upper() + name[1:] if start else name


def possessive(name: str, start: bool = False) -> str:
    """"the City of London Corporation's", "Kent County Council's"."""
    return name_in_text(name, start=start) + "'s"


# --------------------------------------------------------------------------- abolished councils


def last_day(row: pd.Series) -> _dt.date | None:
    """The last day a council existed, or None if it still exists.

    The register writes an end date as the last day (2020-03-31) or as the
    successor's first day (2021-04-01); a date on 1 April is read as the latter.
    """
    end = row.get("end_date")
    if end is None or pd.isna(end):
        return None
    end = pd.Timestamp(end).date()
    return end - _dt.timedelta(days=1) if (end.month, end.day) == (4, 1) else end


def successors(code: str) -> list[pd.Series]:
    """The councils that took over from the council with GSS ``code`` (register order), if any."""
    frame = _register_frame()
    rows = frame[frame["authority_code"] == code]
    if rows.empty:
        return []
    wanted = [c.strip() for c in str(rows.iloc[0]["replaced_by"]).split(",") if c.strip()]
    found = []
    for register_code in wanted:
        match = frame[frame["register_code"] == register_code]
        if not match.empty:
            found.append(match.iloc[0])
    return found


@functools.lru_cache(maxsize=1)
def _first_row_by_code() -> dict[str, pd.Series]:
    """Each GSS code's first register row (the index page asks for every council of a year)."""
    frame = _register_frame()
    first = frame.drop_duplicates("authority_code", keep="first")
    return {code: frame.loc[index] for code, index in zip(first["authority_code"], first.index)}


@functools.lru_cache(maxsize=4096)
def abolished_before(code: str, date: _dt.date) -> tuple[_dt.date, list[pd.Series]] | None:
    """``(last day, successors)`` when the council ceased to exist before ``date``; else None."""
    row = _first_row_by_code().get(code)
    if row is None:
        return None
    ended = last_day(row)
    if ended is None or ended >= date:
        return None
    return ended, successors(code)


def abolition_note(code: str, date: _dt.date | None) -> str | None:
    """"abolished 31 March 2020; successor: Buckinghamshire Council" for a council that
    ceased before ``date`` (the year's letter date); None otherwise."""
    ended = abolished_before(code, date) if date is not None else None
    if not ended:
        return None
    last, found = ended
    label = "successor" if len(found) == 1 else "successors"
    names = "; ".join(row["authority_name"] for row in found) or "not in the register"
    return f"abolished {last.day} {last:%B %Y}; {label}: {names}"


def letter_date(year: int, params_file: Path | str | None) -> _dt.date | None:
    """The letter date in ``params_file``, the year parameters in use (None: the year's default file,
    ``yearparams.default_parameters_file``); None if that file is missing or unreadable."""
    from .yearparams import load_year_parameters  # late: yearparams is not needed for look-ups

    try:
        return load_year_parameters(int(year), params_file or None).letter_date
    except ValueError:
        return None
