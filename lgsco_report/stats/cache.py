"""The statistics cache: ``Statistics`` written as JSON and read back, checked part by part.

A batch computes its statistics once and hands them to every letter in a file
under the output folder. That folder is not trusted (anyone may have put a file
there), so the cache is JSON, never a pickle: reading it can never run code,
and every table, column, dtype and value is checked on the way back in. A file
that does not check out is a ``ValueError`` naming it, and the batch
recomputes. Each table is stored column by column with its dtype; floats are
written as their ``repr`` (JSON's number text), which reads back to the same
float, so a letter made from the cache prints exactly what the computation gave.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_with
from ..definitions import AVERAGE_METHODS
from ..errors import StatisticsCacheError

#: 1 was a pickle (it could run code when loaded); 3: JSON with by_category; 4: reports, remedies.
SAVE_FORMAT = 4

#: What ``write_statistics`` writes: the tables, and the plain attributes.
CACHE_TABLES = ("councils", "types", "national", "unassigned", "by_category")
CACHE_ATTRIBUTES = ("average_method", "categories", "is_sample", "sources", "has_reports", "has_remedies", "report_list")
#: Columns a cached table must have to be usable at all.
_REQUIRED_COLUMNS = {
    "councils": {"year", "authority_code", "authority_name", "authority_type"},
    "types": {"year", "authority_type"},
    "national": {"year"},
    "unassigned": set(),
    "by_category": {"year", "category"},
    "report_list": set(),
}
_NON_FINITE = {"inf": math.inf, "-inf": -math.inf}


def write_statistics(statistics: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``statistics`` to ``path`` (atomically) as JSON; ``Statistics.save``."""
    path = Path(path)
    unknown = {f.name for f in dataclasses.fields(statistics)} - {*CACHE_TABLES, *CACHE_ATTRIBUTES}
    if unknown:
        raise TypeError(f"Statistics.save does not know the field(s) {sorted(unknown)}; add them to save and load")
    payload = {
        "format": SAVE_FORMAT,
        "average_method": statistics.average_method,
        "categories": list(statistics.categories),
        "is_sample": bool(statistics.is_sample),
        "sources": [{str(k): str(v) for k, v in dict(source).items()} for source in statistics.sources],
        "tables": {name: _frame_to_cache(getattr(statistics, name)) for name in CACHE_TABLES},
        "has_reports": bool(statistics.has_reports),
        "has_remedies": bool(statistics.has_remedies),
        "report_list": None if statistics.report_list is None else _frame_to_cache(statistics.report_list),
    }
    text = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    write_with(path, lambda tmp: tmp.write_bytes(text.encode("utf-8")))
    return path


def read_statistics(path: str | os.PathLike[str], cls: type[Any]) -> Any:
    """Read a file written by ``write_statistics``, checking every part; ``ValueError`` naming the file if anything is off."""
    path = Path(path)
    try:
        payload = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise StatisticsCacheError(f"{path}: not a statistics cache (not JSON: {error}); delete it and recompute") from None
    try:
        return _statistics_from_cache(cls, payload)
    except (KeyError, TypeError, ValueError) as error:
        raise StatisticsCacheError(
            f"{path}: not a valid statistics cache of format {SAVE_FORMAT} ({error}); delete it and recompute"
        ) from None


def _cache_dtype(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if str(dtype) in ("int64", "float64", "object", "datetime64[ns]"):
        return str(dtype)
    if pd.api.types.is_string_dtype(dtype):
        return "str"
    raise TypeError(f"column {series.name!r}: dtype {dtype} cannot be cached")


def _frame_to_cache(frame: pd.DataFrame) -> dict[str, Any]:
    columns = []
    for name in frame.columns:
        series = frame[name]
        kind = _cache_dtype(series)
        if kind == "datetime64[ns]":  # dates as ISO text (JSON has no date type); NaT as null
            series = series.map(lambda value: None if pd.isna(value) else value.isoformat())
        values = []
        for value in series.tolist():
            if isinstance(value, float) and not math.isfinite(value):
                value = None if math.isnan(value) else ("inf" if value > 0 else "-inf")
            elif value is not None and not isinstance(value, (str, int, float, bool)):
                if pd.isna(value):
                    value = None
                else:
                    raise TypeError(f"column {name!r}: value {value!r} cannot be cached")
            values.append(value)
        columns.append({"name": str(name), "dtype": kind, "values": values})
    return {"rows": int(len(frame)), "columns": columns}


def _cache_value(kind: str, value: Any) -> Any:
    """One cached value, checked against its column's dtype."""
    if kind == "int64" and type(value) is int:
        return value
    if kind == "bool" and type(value) is bool:
        return value
    if kind == "float64":
        if value is None:
            return math.nan
        if type(value) in (int, float):
            return float(value)
        if value in _NON_FINITE:
            return _NON_FINITE[value]
    if kind in ("str", "object") and (value is None or type(value) is str):
        return value
    if kind == "datetime64[ns]" and (value is None or type(value) is str):
        return pd.NaT if value is None else pd.Timestamp(value)
    if kind == "object" and type(value) in (int, float, bool):
        return value
    raise ValueError(f"value {str(value)[:40]!r} does not fit dtype {kind}")


def _frame_from_cache(name: str, table: Any) -> pd.DataFrame:
    if not isinstance(table, dict) or type(table.get("rows")) is not int or table["rows"] < 0:
        raise ValueError(f"table {name!r} is malformed")
    rows, data = table["rows"], {}
    for column in table["columns"]:
        label, kind, values = column["name"], column["dtype"], column["values"]
        if type(label) is not str or label in data or kind not in ("int64", "float64", "bool", "str", "object", "datetime64[ns]"):
            raise ValueError(f"table {name!r}: column {str(label)[:40]!r} is malformed")
        if not isinstance(values, list) or len(values) != rows:
            raise ValueError(f"table {name!r}: column {label!r} has {len(values) if isinstance(values, list) else 'no'} values, not {rows}")
        data[label] = pd.Series([_cache_value(kind, v) for v in values], dtype=kind, name=label)
    missing = _REQUIRED_COLUMNS[name] - set(data)
    if missing:
        raise ValueError(f"table {name!r} lacks the column(s) {', '.join(sorted(missing))}")
    return pd.DataFrame(data, columns=list(data), index=pd.RangeIndex(rows))


def _statistics_from_cache(cls: type[Any], payload: Any) -> Any:
    if not isinstance(payload, dict) or payload.get("format") != SAVE_FORMAT:
        raise ValueError("unknown format")
    method, categories, sources = payload["average_method"], payload["categories"], payload["sources"]
    if method not in AVERAGE_METHODS:
        raise ValueError(f"average_method {str(method)[:40]!r}")
    if not isinstance(categories, list) or not all(type(c) is str for c in categories):
        raise ValueError("categories are not a list of names")
    if type(payload["is_sample"]) is not bool:
        raise ValueError("is_sample is not true or false")
    if not isinstance(sources, list) or not all(
        isinstance(x, dict) and all(type(k) is str and type(v) is str for k, v in x.items()) for x in sources
    ):
        raise ValueError("sources are malformed")
    tables = payload["tables"]
    if not isinstance(tables, dict) or set(tables) != set(CACHE_TABLES):
        raise ValueError(f"tables are not {', '.join(CACHE_TABLES)}")
    for flag in ("has_reports", "has_remedies"):
        if type(payload[flag]) is not bool:
            raise ValueError(f"{flag} is not true or false")
    report_list = payload["report_list"]
    return cls(
        **{name: _frame_from_cache(name, tables[name]) for name in CACHE_TABLES},
        average_method=method,
        categories=tuple(categories),
        is_sample=payload["is_sample"],
        sources=tuple(dict(source) for source in sources),
        has_reports=payload["has_reports"],
        has_remedies=payload["has_remedies"],
        report_list=None if report_list is None else _frame_from_cache("report_list", report_list),
    )

