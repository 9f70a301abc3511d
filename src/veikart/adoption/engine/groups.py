"""Stage 2 of :func:`veikart.adoption.engine.engine.compute_periods`: from every person-week's
numerators and denominators (stage 1, in DuckDB) to the sums and ``n`` of every group, week and
month, with numpy.

A group's weekly sums are the sums over its person-weeks, so they are counted with
``np.bincount`` over an integer key per group: the week and the attribute's code, or the week,
a unit and the attribute's code for the unit subtrees. For those, the person-weeks are first
summed per *type* — week, unit path and attribute — and each type is then added to every unit on
its path: a few hundred thousand types explode into units far faster than millions of rows. A
month's sums are the sums of its weeks'; its ``n`` counts each person once per group (a person
who moved during the month is in both units, and once in a unit above both), by sorting the
distinct (month, group, person) keys. The results are those of the SQL engine's stage 2
(``_aggregates_cte``, ``_month_ctes``), to the bit: the sums are of whole numbers, which float64
holds exactly below 2^53, and the values are divided as the SQL divides them.

No Django imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veikart.adoption.engine.registry import Metric

_EPOCH = dt.date(1970, 1, 1)
_ATTRIBUTE_GROUPS = ("former_org", "is_leader", "training_status", "unit_type")


@dataclass
class Rows:
    """The person-weeks as integer codes (one entry per row of ``people``)."""

    week: np.ndarray  # index into mondays
    mondays: list[dt.date]
    path: np.ndarray  # index into ancestors' columns
    ancestors: np.ndarray  # [depth, path] → unit index, -1 where the path is shorter
    units: np.ndarray  # unit index → unit id
    who: np.ndarray  # the person as a month counts them (employee, or the pseudonym)
    attributes: dict[str, tuple[np.ndarray, list[str | None]]]  # codes and their texts
    runs: Runs | None = None  # the rows by month and person, once a month's n is asked for

    def reordered(self, order: np.ndarray) -> Rows:
        """The same rows in another order: row i of the result is row ``order[i]``."""
        return Rows(
            self.week[order],
            self.mondays,
            self.path[order],
            self.ancestors,
            self.units,
            self.who[order],
            {name: (codes[order], texts) for name, (codes, texts) in self.attributes.items()},
        )


def encode(people: pa.Table) -> Rows:
    """Integer codes of the people table (checked beforehand by the engine)."""
    days = people["week_start"].combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False)
    day_values, week = np.unique(days, return_inverse=True)
    mondays = [_EPOCH + dt.timedelta(days=int(d)) for d in day_values]
    path, texts = _codes(people["unit_path"])
    parsed = [[int(p) for p in str(text).strip("/").split("/")] for text in texts]
    unit_ids = np.unique(np.array([u for ids in parsed for u in ids] or [0], dtype=np.int64))
    depth = max((len(ids) for ids in parsed), default=1)
    ancestors = np.full((depth, max(len(parsed), 1)), -1, dtype=np.int64)
    for column, ids in enumerate(parsed):
        ancestors[: len(ids), column] = np.searchsorted(unit_ids, np.array(ids, dtype=np.int64))
    employee = people["employee_id"]
    who_column = people["person"] if employee.null_count == people.num_rows else employee
    who, _ = _codes(who_column)
    attributes = {}
    for name in _ATTRIBUTE_GROUPS:
        codes, values = _codes(people[name])
        texts_of = [_text(v) for v in values]
        # null → its own code, after the values
        codes = np.where(codes < 0, len(values), codes)
        attributes[name] = (codes, [*texts_of, None])
    return Rows(week, mondays, path, ancestors, unit_ids, who, attributes)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[object]]:
    encoded = pc.dictionary_encode(column.combine_chunks())
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return indices.astype(np.int64), encoded.dictionary.to_pylist()


def _text(value: object) -> str | None:
    """The attribute as the SQL engine writes it: booleans as "true"/"false"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def month_of(monday: dt.date) -> dt.date:
    return (monday + dt.timedelta(days=3)).replace(day=1)


@dataclass
class Sums:
    """Per group of one breakdown and grain: period index, unit (or -1), attribute code, n and
    the sums (a column per stage-1 column)."""

    period: np.ndarray
    unit: np.ndarray
    attribute: np.ndarray
    n: np.ndarray
    sums: np.ndarray  # [column, group]


def breakdown_sums(
    rows: Rows,
    values: np.ndarray,
    present: np.ndarray,
    groups: Sequence[str],
    month: np.ndarray,
    months: int,
    grains: Sequence[str] = ("week", "month"),
) -> dict[str, Sums]:
    """Weekly and monthly sums of one breakdown. ``values`` is [column, row] (nulls as 0),
    ``present`` [column, row] whether the row's value was not null, or an empty array when no
    column has nulls; ``month`` maps week index → month index."""
    attribute = next((g for g in groups if g != "unit_subtree"), None)
    if attribute is not None and attribute not in rows.attributes:
        raise ValueError(f"{attribute} cannot be a breakdown here")
    if attribute is None:
        codes, count = np.zeros(rows.week.size, dtype=np.int64), 1
    else:
        codes, texts = rows.attributes[attribute]
        count = len(texts)
    weeks = len(rows.mondays)
    unit = "unit_subtree" in groups
    paths = rows.ancestors.shape[1]
    # The weeks' sums from the rows; a month's from its weeks' (far fewer than the rows).
    if unit:
        type_key = (rows.week * paths + rows.path) * count + codes
    else:
        type_key = rows.week * count + codes
    size = weeks * (paths if unit else 1) * count
    week_types = _group(type_key, size, values, present)
    result = {}
    for grain in grains:
        if grain == "week":
            types, periods = week_types, weeks
        else:
            week, rest = np.divmod(week_types.key, (paths if unit else 1) * count)
            month_key = month[week] * ((paths if unit else 1) * count) + rest
            types = _regroup(week_types, month_key, months * (paths if unit else 1) * count)
            periods = months
        if unit:
            found = _explode(rows, types, periods, count)
        else:
            period, code = np.divmod(types.key, count)
            found = Sums(period, np.full(types.key.size, -1), code, types.n, types.sums)
        if grain == "month":
            found.n = _distinct_n(rows, month[rows.week], codes, count, found, unit=unit)
        result[grain] = found
    return result


@dataclass
class _Types:
    """Groups by a dense integer key: the keys present, their rows and their sums."""

    key: np.ndarray
    n: np.ndarray
    sums: np.ndarray  # [column, group], NaN where every value was null


def _group(key: np.ndarray, size: int, values: np.ndarray, present: np.ndarray) -> _Types:
    """The rows grouped by ``key`` (0 ≤ key < size)."""
    n_dense = np.bincount(key, minlength=size)
    keys = np.flatnonzero(n_dense)
    return _Types(keys, n_dense[keys].astype(np.int64), _sum_by(key, size, values, present, keys))


def _regroup(types: _Types, key: np.ndarray, size: int) -> _Types:
    """Groups summed into coarser ones: ``key`` gives each group's new key (0 ≤ key < size)."""
    n_dense = np.bincount(key, weights=types.n, minlength=size)
    keys = np.flatnonzero(n_dense)
    return _Types(keys, n_dense[keys].astype(np.int64), _sum_sums(types.sums, key, size, keys))


def _sum_sums(sums: np.ndarray, key: np.ndarray, size: int, keys: np.ndarray) -> np.ndarray:
    """Sums of sums by ``key``: NaN only where every summed value was NaN (all null)."""
    out = np.empty((sums.shape[0], keys.size))
    for c in range(sums.shape[0]):
        missing = np.isnan(sums[c])
        total = np.bincount(key, weights=np.where(missing, 0.0, sums[c]), minlength=size)
        if missing.any():
            some = np.bincount(key, weights=~missing, minlength=size) > 0
            total[~some] = np.nan
        out[c] = total[keys]
    return out


def _sum_by(
    index: np.ndarray, size: int, values: np.ndarray, present: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """Each column's sum per group: ``index`` numbers the rows' groups densely (``size`` of
    them), ``groups`` are those returned; NaN where every value of the group was null."""
    sums = np.empty((values.shape[0], groups.size))
    for c in range(values.shape[0]):
        total = np.bincount(index, weights=values[c], minlength=size)
        if present.size:
            some = np.bincount(index, weights=present[c], minlength=size) > 0
            total[~some] = np.nan
        sums[c] = total[groups]
    return sums


def _explode(rows: Rows, types: _Types, periods: int, count: int) -> Sums:
    """Sums per period, unit subtree and attribute code from sums per type (period, unit path,
    code): each type is added to every unit on its path."""
    paths = rows.ancestors.shape[1]
    units = rows.units.size
    type_period, rest = np.divmod(types.key, paths * count)
    type_path, type_code = np.divmod(rest, count)
    keys, sources = [], []
    for depth in range(rows.ancestors.shape[0]):
        unit = rows.ancestors[depth, type_path]
        keep = np.flatnonzero(unit >= 0)
        keys.append((type_period[keep] * units + unit[keep]) * count + type_code[keep])
        sources.append(keep)
    key = np.concatenate(keys)
    source = np.concatenate(sources)
    cell_size = periods * units * count
    cells = _regroup(_Types(key, types.n[source], types.sums[:, source]), key, cell_size)
    cell_period, rest = np.divmod(cells.key, units * count)
    cell_unit, cell_code = np.divmod(rest, count)
    return Sums(cell_period, rows.units[cell_unit], cell_code, cells.n, cells.sums)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values, by sorting (numpy's hashing unique is slow on big arrays)."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


@dataclass
class Runs:
    """The rows sorted by month and person: ``order`` sorts them; ``same[lag - 1][i]`` says
    whether sorted row i belongs to the same month and person as sorted row i - lag (a person
    has at most five rows a month, one per week, so a few lags cover every pair)."""

    order: np.ndarray
    month: np.ndarray  # each sorted row's month
    same: list[np.ndarray]

    def first(self, group: np.ndarray) -> np.ndarray:
        """For sorted rows with these groups: the first row of each month, person and group."""
        first = np.ones(group.size, dtype=bool)
        for lag, same in enumerate(self.same, start=1):
            first[lag:] &= ~(same & (group[lag:] == group[:-lag]))
        return first


def _runs(rows: Rows, month: np.ndarray) -> Runs:
    people = int(rows.who.max()) + 1 if rows.who.size else 1
    key = month * people + rows.who
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    new = np.ones(ordered.size, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(new)
    longest = int(np.diff(np.append(starts, ordered.size)).max()) if ordered.size else 1
    same = [ordered[lag:] == ordered[:-lag] for lag in range(1, longest)]
    return Runs(order, month[order], same)


def _depths_fixed(rows: Rows) -> bool:
    """Is every unit at one depth on every path it is on? (Not when a reorganisation moved a
    unit under another parent at another level.)"""
    depth, path = np.nonzero(rows.ancestors >= 0)
    units = rows.ancestors[depth, path]
    pairs = np.unique(units * rows.ancestors.shape[0] + depth)
    return bool(pairs.size == np.unique(units).size)


def _distinct_n(
    rows: Rows, period: np.ndarray, codes: np.ndarray, count: int, found: Sums, *, unit: bool
) -> np.ndarray:
    """Per group of a month: its people, each once (for a unit subtree: from every unit below
    it, so a person who moved within the subtree counts once). A person's rows of a month lie
    side by side once sorted (:class:`Runs`), so the first of each group is found by comparing
    neighbours, with no sort per breakdown."""
    if rows.runs is None:
        rows.runs = _runs(rows, period)
    runs = rows.runs
    sorted_codes = codes[runs.order]
    months = int(runs.month.max()) + 1 if runs.month.size else 0
    if not unit:
        first = runs.first(sorted_codes)
        n = np.bincount((runs.month * count + sorted_codes)[first], minlength=months * count)
        counted: np.ndarray = n[found.period * count + found.attribute].astype(np.int64)
        return counted
    units = rows.units.size
    if _depths_fixed(rows):
        size = months * units * count
        n = np.zeros(size, dtype=np.int64)
        sorted_path = rows.path[runs.order]
        for depth in range(rows.ancestors.shape[0]):
            ancestor = rows.ancestors[depth, sorted_path]
            valid = ancestor >= 0
            group = np.where(valid, ancestor * count + sorted_codes, -1)
            first = runs.first(group) & valid
            key = (runs.month * units + ancestor) * count + sorted_codes
            n += np.bincount(key[first], minlength=size)
        index = (found.period * units + np.searchsorted(rows.units, found.unit)) * count
        fixed: np.ndarray = n[index + found.attribute]
        return fixed
    return _distinct_unit_n_sorted(rows, period, codes, count, found)


def _distinct_unit_n_sorted(
    rows: Rows, period: np.ndarray, codes: np.ndarray, count: int, found: Sums
) -> np.ndarray:
    """:func:`_distinct_n` for unit subtrees by sorting every (month, unit, code, person)."""
    people = int(rows.who.max()) + 1 if rows.who.size else 1
    paths = rows.ancestors.shape[1]
    units = rows.units.size
    # Each person once per month, path and code first (most stay in one unit all month).
    first = _distinct(((period * paths + rows.path) * count + codes) * people + rows.who)
    rest, who = np.divmod(first, people)
    rest, code = np.divmod(rest, count)
    month, path = np.divmod(rest, paths)
    keys = []
    for depth in range(rows.ancestors.shape[0]):
        ancestor = rows.ancestors[depth, path]
        keep = ancestor >= 0
        keys.append(
            ((month[keep] * units + ancestor[keep]) * count + code[keep]) * people + who[keep]
        )
    distinct = _distinct(np.concatenate(keys)) // people
    size = (int(month.max()) + 1) * units * count if month.size else 0
    n = np.bincount(distinct, minlength=size)
    index = (found.period * units + np.searchsorted(rows.units, found.unit)) * count
    result: np.ndarray = n[index + found.attribute].astype(np.int64)
    return result


def values_of(
    metrics: Sequence[Metric],
    columns: Mapping[str, int],
    sums: Sums,
    covered: Mapping[str, np.ndarray],
    min_n: int,
) -> list[np.ndarray]:
    """Each metric's value per group (NaN for null), as the SQL engine's ``_value_sql``."""
    out = []
    enough = sums.n >= min_n
    for index, metric in enumerate(metrics):
        numerator = sums.sums[columns[f"numerator_{index}"]]
        ok = enough & covered[metric.key][sums.period]
        with np.errstate(divide="ignore", invalid="ignore"):
            if metric.denominator_sql is None:
                value = numerator.astype(np.float64)
            else:
                denominator = sums.sums[columns[f"denominator_{index}"]]
                top = 100 * numerator if metric.unit == "percent" else numerator
                value = np.where(denominator == 0, np.nan, top / denominator)
        out.append(np.where(ok, value, np.nan))
    return out
