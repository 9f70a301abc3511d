"""Design diagnostics for a staggered adoption panel: who can serve as a comparison, and when.

Every difference-in-differences estimate compares the trained with people not (yet) trained in the
same period. Per period ``t``, among the ``n_t`` people observed:

    treated_t  = #{i: 0 < E_i ≤ t}          (trained by t)
    not_yet_t  = #{i: E_i > t}              (trained later: comparison until they are trained)
    never_t    = #{i: E_i = 0 or missing}   (never trained in the data)
    controls_t = not_yet_t + never_t

Once the last cohort is trained (``not_yet_t = 0``), effects in later periods rest on the
never-trained alone; with few of them the estimates are imprecise, and any way in which the
never-trained differ (e.g. units that opted out) carries straight into them. The warnings below
say when that happens; they are machine-readable (``code`` and ``data``) so the product layer can
show them in its own words.

Warning codes:

- ``no_controls``: periods with trained people and nobody untreated — effects there are not
  identified (the imputation estimator leaves them out; Callaway & Sant'Anna drops them).
- ``few_controls``: periods with trained people and fewer than ``min_controls`` untreated people
  or an untreated share below ``min_control_share``.
- ``never_treated_only``: periods after the last cohort was trained, where only the never-trained
  remain as comparison (``severity`` "warning" when they are few by the thresholds above, else
  "info").
- ``no_never_treated``: nobody is never trained.
- ``small_cohorts``: cohorts with fewer than ``min_cohort_size`` people.
- ``treated_before_data``: people trained in or before their first observed period (no
  untreated period of their own: the estimators cannot use them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]

Severity = Literal["info", "warning"]


@dataclass(frozen=True)
class DesignWarning:
    """A finding about the design: ``code`` (see the module docstring), ``severity``, an English
    ``message`` for logs, and ``data`` with the numbers behind it (periods, counts, shares)."""

    code: str
    severity: Severity
    message: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DesignDiagnostics:
    """Cohort sizes and the comparison groups per period.

    ``cohorts``: ``cohort, n_units, share`` (of all people), ``n_with_untreated`` (people of the
    cohort with at least one untreated period). ``periods``: ``time, n, n_treated, n_not_yet,
    n_never, n_controls`` and the shares ``share_treated, share_not_yet, share_never,
    share_controls`` of the people observed in the period, and ``never_only`` (the comparison
    rests on the never-trained alone). ``warnings`` as in the module docstring.
    """

    cohorts: pd.DataFrame
    periods: pd.DataFrame
    n_units: int
    n_never: int
    warnings: tuple[DesignWarning, ...]

    def has(self, code: str) -> bool:
        return any(w.code == code for w in self.warnings)

    def warning(self, code: str) -> DesignWarning | None:
        return next((w for w in self.warnings if w.code == code), None)


def _people(data: pd.DataFrame, unit: str, time: str, cohort: str, y: str | None) -> pd.DataFrame:
    columns = [unit, time, cohort, *([y] if y else [])]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"columns not in the data: {', '.join(missing)}")
    frame = pd.DataFrame(
        {
            "unit": data[unit].to_numpy(),
            "time": pd.to_numeric(data[time], errors="raise").to_numpy(dtype=np.float64),
            "cohort": data[cohort].to_numpy(dtype=np.float64, na_value=np.nan),
        }
    )
    keep = frame["unit"].notna() & np.isfinite(frame["time"])
    if y is not None:
        keep &= np.isfinite(data[y].to_numpy(dtype=np.float64, na_value=np.nan))
    kept: pd.DataFrame = frame.loc[keep.to_numpy()].copy()
    if kept.empty:
        raise ValueError("no rows with a unit and a period")
    kept["cohort"] = kept["cohort"].where(kept["cohort"] > 0, 0.0).fillna(0.0)
    if kept.groupby("unit")["cohort"].nunique().max() > 1:
        raise ValueError(f"column {cohort!r} must be the same in every period of a unit")
    if kept.duplicated(["unit", "time"]).any():
        raise ValueError(f"each unit may appear once per period ({unit!r} × {time!r})")
    return kept


def _period_table(frame: pd.DataFrame) -> pd.DataFrame:
    treated = (frame["cohort"] > 0) & (frame["time"] >= frame["cohort"])
    not_yet = frame["cohort"] > frame["time"]
    never = frame["cohort"] == 0
    flags = pd.DataFrame(
        {"time": frame["time"], "treated": treated, "not_yet": not_yet, "never": never}
    )
    counts: pd.DataFrame = (
        flags.groupby("time", sort=True)
        .agg(n=("treated", "size"), n_treated=("treated", "sum"), n_not_yet=("not_yet", "sum"),
             n_never=("never", "sum"))
        .reset_index()
    )  # fmt: skip
    counts["n_controls"] = counts["n_not_yet"] + counts["n_never"]
    for part in ("treated", "not_yet", "never", "controls"):
        counts[f"share_{part}"] = counts[f"n_{part}"] / counts["n"]
    counts["never_only"] = (counts["n_not_yet"] == 0) & (counts["n_treated"] > 0)
    return counts


def _cohort_table(frame: pd.DataFrame, n_units: int) -> pd.DataFrame:
    per_unit = frame.groupby("unit").agg(cohort=("cohort", "first"), first=("time", "min"))
    treated = per_unit[per_unit["cohort"] > 0]
    table = (
        treated.assign(with_untreated=treated["first"] < treated["cohort"])
        .groupby("cohort", sort=True)
        .agg(n_units=("first", "size"), n_with_untreated=("with_untreated", "sum"))
        .reset_index()
    )
    table.insert(2, "share", table["n_units"] / n_units)
    return table


def _periods(values: pd.Series) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _warnings(
    periods: pd.DataFrame,
    cohorts: pd.DataFrame,
    n_never: int,
    n_units: int,
    min_controls: int,
    min_control_share: float,
    min_cohort_size: int,
) -> list[DesignWarning]:
    found: list[DesignWarning] = []
    active = periods[periods["n_treated"] > 0]
    none = active[active["n_controls"] == 0]
    if not none.empty:
        found.append(DesignWarning(
            "no_controls", "warning",
            f"In {len(none)} periods everyone observed is trained: effects there are not "
            "identified.",
            {"periods": _periods(none["time"])},
        ))  # fmt: skip
    few = active[
        (active["n_controls"] > 0)
        & ((active["n_controls"] < min_controls) | (active["share_controls"] < min_control_share))
    ]
    if not few.empty:
        found.append(DesignWarning(
            "few_controls", "warning",
            f"In {len(few)} periods fewer than {min_controls} people (or under "
            f"{min_control_share:.0%}) are untreated: effects there are imprecise.",
            {"periods": _periods(few["time"]), "min_controls": int(few["n_controls"].min()),
             "min_control_share": float(few["share_controls"].min()),
             "threshold": min_controls, "threshold_share": min_control_share},
        ))  # fmt: skip
    only = active[active["never_only"] & (active["n_never"] > 0)]
    if not only.empty:
        thin = bool(
            (only["n_never"] < min_controls).any()
            or (only["share_never"] < min_control_share).any()
        )
        found.append(DesignWarning(
            "never_treated_only", "warning" if thin else "info",
            f"From period {only['time'].iloc[0]:g} every cohort is trained: effects in "
            f"{len(only)} periods rest on the {int(only['n_never'].min())} never-trained alone "
            f"(at least {only['share_never'].min():.1%} of those observed).",
            {"first_period": float(only["time"].iloc[0]), "n_periods": len(only),
             "periods": _periods(only["time"]), "min_never": int(only["n_never"].min()),
             "min_never_share": float(only["share_never"].min())},
        ))  # fmt: skip
    if n_never == 0:
        found.append(DesignWarning(
            "no_never_treated", "warning",
            "Nobody is never trained: once the last cohort is trained there is no comparison.",
            {"n_units": n_units},
        ))  # fmt: skip
    small = cohorts[cohorts["n_units"] < min_cohort_size]
    if not small.empty:
        found.append(DesignWarning(
            "small_cohorts", "info",
            f"{len(small)} cohorts have fewer than {min_cohort_size} people.",
            {"cohorts": _periods(small["cohort"]),
             "sizes": tuple(int(n) for n in small["n_units"]), "threshold": min_cohort_size},
        ))  # fmt: skip
    early = int((cohorts["n_units"] - cohorts["n_with_untreated"]).sum())
    if early:
        found.append(DesignWarning(
            "treated_before_data", "info",
            f"{early} people were trained in or before their first observed period: they have "
            "no untreated period and cannot be used.",
            {"n_units": early},
        ))  # fmt: skip
    return found


def design_diagnostics(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    cohort: str,
    y: str | None = None,
    min_controls: int = 30,
    min_control_share: float = 0.05,
    min_cohort_size: int = 5,
) -> DesignDiagnostics:
    """Cohort sizes, the treated / not-yet-treated / never-treated counts and shares per period,
    and warnings (module docstring). ``data`` is long form like the estimators take (``cohort``
    0 or NaN: never treated); with ``y``, rows with a missing outcome are left out as the
    estimators leave them out. The thresholds are judgement calls, not statistical tests."""
    if min_controls < 0 or not 0 <= min_control_share <= 1 or min_cohort_size < 0:
        raise ValueError("thresholds must be non-negative (and the share at most 1)")
    frame = _people(data, unit, time, cohort, y)
    n_units = int(frame["unit"].nunique())
    n_never = int(frame.loc[frame["cohort"] == 0, "unit"].nunique())
    periods = _period_table(frame)
    cohorts = _cohort_table(frame, n_units)
    found = _warnings(
        periods, cohorts, n_never, n_units, min_controls, min_control_share, min_cohort_size
    )
    return DesignDiagnostics(cohorts, periods, n_units, n_never, tuple(found))
