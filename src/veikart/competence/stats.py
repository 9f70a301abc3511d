"""Statistics for self-assessment results: plain numbers in, frozen dataclasses out (no Django).

Distribution: counts of each level 1–8 and the mean level.

Change before → after, 95 % confidence interval:

* **paired t interval** when the same people answered both waves: with dᵢ = afterᵢ − beforeᵢ for
  the n people in both, d̄ ± t(0.975; n−1) · s_d / √n, where s_d is the sample standard deviation
  of the differences;
* **Welch interval** otherwise, over everyone who answered each wave:
  (ā − b̄) ± t(0.975; ν) · √(s_a²/n_a + s_b²/n_b), ν by the Welch–Satterthwaite formula.

A person's score is the mean of their levels over the questions of the group of questions
(an area, or all questions) — so every person weighs the same in the change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as st

from veikart.competence.digcomp import LEVEL_NUMBERS

Method = Literal["paired", "welch"]


@dataclass(frozen=True)
class Distribution:
    n: int
    counts: tuple[int, ...]  # one per level 1..8
    mean: float

    def __post_init__(self) -> None:
        if len(self.counts) != len(LEVEL_NUMBERS) or sum(self.counts) != self.n:
            raise ValueError("counts must have one entry per level and add up to n")

    @property
    def shares(self) -> tuple[float, ...]:
        return tuple(c / self.n for c in self.counts) if self.n else tuple(0.0 for _ in self.counts)


def distribution(levels: Sequence[int]) -> Distribution:
    counts = tuple(sum(1 for level in levels if level == n) for n in LEVEL_NUMBERS)
    if sum(counts) != len(levels):
        raise ValueError("a level is outside 1–8")
    mean = float(np.mean(levels)) if levels else math.nan
    return Distribution(n=len(levels), counts=counts, mean=mean)


@dataclass(frozen=True)
class Change:
    method: Method
    n: int  # pairs (paired) or the smaller wave (Welch)
    difference: float  # after − before, in levels
    low: float
    high: float
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not self.low <= self.difference <= self.high:
            raise ValueError("the interval must contain the estimate")


def _quantile(confidence: float, df: float) -> float:
    return float(st.t.ppf(0.5 + confidence / 2, df))


def paired_change(
    before: Sequence[float], after: Sequence[float], *, confidence: float = 0.95
) -> Change:
    """Paired t interval for mean(after − before); ``before[i]`` and ``after[i]`` are one person."""
    if len(before) != len(after) or len(before) < 2:
        raise ValueError("paired_change needs at least two pairs of equal length")
    d = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    n = len(d)
    mean = float(d.mean())
    half = _quantile(confidence, n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    return Change("paired", n, mean, mean - half, mean + half, confidence)


def welch_change(
    before: Sequence[float], after: Sequence[float], *, confidence: float = 0.95
) -> Change:
    """Welch interval for mean(after) − mean(before) of two independent groups."""
    if len(before) < 2 or len(after) < 2:
        raise ValueError("welch_change needs at least two values in each group")
    b, a = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    vb, va = float(b.var(ddof=1)) / len(b), float(a.var(ddof=1)) / len(a)
    mean = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return Change("welch", min(len(a), len(b)), mean, mean, mean, confidence)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = _quantile(confidence, df) * se
    return Change("welch", min(len(a), len(b)), mean, mean - half, mean + half, confidence)
