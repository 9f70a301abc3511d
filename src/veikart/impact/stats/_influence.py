"""Influence functions of ATT(g,t) and of their aggregates, without an n × K matrix.

Without covariates every influence function the Callaway–Sant'Anna estimator uses has, for a unit
``i`` in cohort ``c``, the form

    ψ_i = β_c · (Y_i − M_c) + m_c

with ``Y_i`` the unit's row of outcomes (length T), ``M_c`` its cohort's mean row, and a vector
``β_c`` and scalar ``m_c`` per cohort. For ATT(g,t) with post period ``p`` and base period ``q``,
``β_c = a_c (e_p − e_q)``. Sums over units therefore reduce to per-cohort statistics:

    Σ_i ψ_i ψ'_i = Σ_c [ β_c' S_c β'_c + n_c m_c m'_c ],   S_c = Σ_{i∈c} (Y_i − M_c)(Y_i − M_c)'

and, with clusters ``k``, ``Σ_{i∈k} ψ_i = Σ_c [ β_c · s_kc + n_kc m_c ]`` with
``s_kc = Σ_{i∈k, i∈c} (Y_i − M_c)``. A multiplier-bootstrap draw ``Σ_k v_k ψ_k`` is likewise
``Σ_c [ β_c · Z_c + z_c m_c ]`` with ``Z_c = Σ_k v_k s_kc`` and ``z_c = Σ_k v_k n_kc``.

"Rows" below are units (clustering at the unit) or (cluster, cohort) pairs, sorted by cohort.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

MultiplierWeights = Literal["rademacher", "mammen"]
_CHUNK_ELEMENTS = 4_000_000  # bound on temporary (rows × columns) arrays


@dataclass(frozen=True)
class CellFunctionals:
    """Influence functions of K cells: ``β_ck = a[c, k] (e_post[k] − e_base[k])``, ``m[c, k]``."""

    a: FloatArray
    m: FloatArray
    post: IntArray
    base: IntArray

    def __post_init__(self) -> None:
        if self.a.shape != self.m.shape or self.a.shape[1] != self.post.size:
            raise ValueError("cell coefficients do not fit together")

    def take(self, idx: IntArray) -> CellFunctionals:
        return CellFunctionals(self.a[:, idx], self.m[:, idx], self.post[idx], self.base[idx])


@dataclass(frozen=True)
class Functionals:
    """Influence functions of F aggregates in dense form: ``beta`` (C, T, F), ``m`` (C, F)."""

    beta: FloatArray
    m: FloatArray

    def __post_init__(self) -> None:
        if self.beta.ndim != 3 or self.beta.shape[::2] != self.m.shape:
            raise ValueError("beta must be (C, T, F) and m (C, F)")


def combine(
    cells: CellFunctionals, n_periods: int, weights: FloatArray, h: FloatArray
) -> Functionals:
    """Influence functions of ``ψ_f = Σ_k weights[k, f] ψ_k + h[c(i), f]`` in dense form."""
    n_cohorts = cells.a.shape[0]
    beta = np.zeros((n_cohorts, n_periods, weights.shape[1]))
    used = np.flatnonzero(np.any(weights != 0, axis=1))
    w = weights[used]
    for c in range(n_cohorts):
        a = cells.a[c, used]
        if not a.any():
            continue
        coef = a[:, None] * w
        np.add.at(beta[c], cells.post[used], coef)
        np.subtract.at(beta[c], cells.base[used], coef)
    return Functionals(beta, cells.m @ weights + h)


def _multipliers(
    rng: np.random.Generator, shape: tuple[int, int], kind: MultiplierWeights
) -> FloatArray:
    if kind == "rademacher":
        return np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    # Mammen's two-point weights: mean 0, variance 1, third moment 1.
    root5 = np.sqrt(5.0)
    low = rng.random(shape) < (root5 + 1.0) / (2.0 * root5)
    weights: FloatArray = np.where(low, (1.0 - root5) / 2.0, (1.0 + root5) / 2.0)
    return weights


@dataclass(frozen=True)
class InfluenceBasis:
    """Per-cohort statistics from which every sum over units of ψ products is computed.

    ``rows`` (R, T) holds centred outcome sums per row, ``row_counts`` the units per row,
    ``bounds`` the row range of each cohort; ``row_cluster`` maps rows to clusters (``None``: each
    row is one unit and its own cluster, and ``cross`` holds the per-cohort ``S_c``).
    """

    n_units: int
    cohort_counts: FloatArray
    bounds: IntArray
    rows: FloatArray
    row_counts: FloatArray
    row_cluster: IntArray | None
    n_clusters: int
    cross: FloatArray | None

    @classmethod
    def build(
        cls,
        outcomes: FloatArray,
        cohort_index: IntArray,
        means: FloatArray,
        cluster: IntArray | None,
    ) -> InfluenceBasis:
        """``outcomes`` (n, T) sorted by ``cohort_index``; ``means`` (C, T) the cohort means."""
        n_cohorts = means.shape[0]
        counts = np.bincount(cohort_index, minlength=n_cohorts)
        bounds = np.concatenate(([0], np.cumsum(counts))).astype(np.intp)
        centred = outcomes - means[cohort_index]
        if cluster is None:
            cross = np.empty((n_cohorts, means.shape[1], means.shape[1]))
            for c in range(n_cohorts):
                block = centred[bounds[c] : bounds[c + 1]]
                cross[c] = block.T @ block
            return cls(
                n_units=outcomes.shape[0],
                cohort_counts=counts.astype(np.float64),
                bounds=bounds,
                rows=centred,
                row_counts=np.ones(outcomes.shape[0]),
                row_cluster=None,
                n_clusters=outcomes.shape[0],
                cross=cross,
            )
        n_clusters = int(cluster.max()) + 1
        order = np.lexsort((cluster, cohort_index))
        key = cohort_index[order] * n_clusters + cluster[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        rows = np.add.reduceat(centred[order], starts, axis=0)
        row_counts = np.diff(np.r_[starts, order.size]).astype(np.float64)
        row_cohort = cohort_index[order][starts]
        row_bounds = np.searchsorted(row_cohort, np.arange(n_cohorts + 1)).astype(np.intp)
        return cls(
            n_units=outcomes.shape[0],
            cohort_counts=counts.astype(np.float64),
            bounds=row_bounds,
            rows=rows,
            row_counts=row_counts,
            row_cluster=cluster[order][starts],
            n_clusters=n_clusters,
            cross=None,
        )

    # --- cells -------------------------------------------------------------------------------

    def cell_sums_of_squares(self, cells: CellFunctionals) -> FloatArray:
        """``Σ_k (Σ_{i∈k} ψ_i)²`` for every cell (k: clusters, or units)."""
        if self.cross is None:
            return np.concatenate(
                [np.sum(psi**2, axis=0) for psi in self._cluster_cells(cells)] or [np.zeros(0)]
            )
        s, p, q = self.cross, cells.post, cells.base
        quad = s[:, p, p] + s[:, q, q] - 2.0 * s[:, p, q]
        total: FloatArray = np.sum(
            cells.a**2 * quad + self.cohort_counts[:, None] * cells.m**2, axis=0
        )
        return np.maximum(total, 0.0)

    def cell_cross_products(self, cells: CellFunctionals) -> FloatArray:
        """The K × K matrix ``Σ_k ψ_k ψ'_k`` of cell influence functions."""
        if self.cross is None:
            psi = np.concatenate(list(self._cluster_cells(cells)), axis=1)
            cross: FloatArray = psi.T @ psi
            return cross
        p, q = cells.post, cells.base
        out = np.zeros((p.size, p.size))
        for c in range(self.cohort_counts.size):
            a, m = cells.a[c], cells.m[c]
            if not (a.any() or m.any()):
                continue
            x = self.cross[c][:, p] - self.cross[c][:, q]
            out += np.outer(a, a) * (x[p] - x[q]) + self.cohort_counts[c] * np.outer(m, m)
        return out

    def _cluster_cells(self, cells: CellFunctionals) -> Iterator[FloatArray]:
        """Cluster sums of cell influence functions, (n_clusters, chunk) at a time."""
        assert self.row_cluster is not None
        n_cells = cells.post.size
        step = max(1, _CHUNK_ELEMENTS // max(self.rows.shape[0], 1))
        for start in range(0, n_cells, step):
            j = np.arange(start, min(start + step, n_cells))
            psi = np.zeros((self.n_clusters, j.size))
            for c, (r0, r1) in enumerate(zip(self.bounds[:-1], self.bounds[1:], strict=True)):
                a, m = cells.a[c, j], cells.m[c, j]
                if r0 == r1 or not (a.any() or m.any()):
                    continue
                block = self.rows[r0:r1]
                value = a * (block[:, cells.post[j]] - block[:, cells.base[j]])
                value += self.row_counts[r0:r1, None] * m
                # Within one cohort every cluster has at most one row: no repeated indices.
                psi[self.row_cluster[r0:r1]] += value
            yield psi

    # --- dense aggregates --------------------------------------------------------------------

    def sums_of_squares(self, f: Functionals) -> FloatArray:
        """``Σ_k (Σ_{i∈k} ψ_i)²`` for every aggregate."""
        if self.cross is not None:
            total = np.zeros(f.m.shape[1])
            for c in range(self.cohort_counts.size):
                b = f.beta[c]
                total += np.sum(b * (self.cross[c] @ b), axis=0)
                total += self.cohort_counts[c] * f.m[c] ** 2
            return np.maximum(total, 0.0)
        squares: FloatArray = np.sum(self._cluster_sums(f) ** 2, axis=0)
        return squares

    def cross_products(self, f: Functionals) -> FloatArray:
        """The F × F matrix ``Σ_k ψ_k ψ'_k`` of the aggregates (``k``: clusters, or units)."""
        if self.cross is not None:
            n_out = f.m.shape[1]
            total = np.zeros((n_out, n_out))
            for c in range(self.cohort_counts.size):
                b = f.beta[c]
                total += b.T @ self.cross[c] @ b + self.cohort_counts[c] * np.outer(f.m[c], f.m[c])
            return (total + total.T) / 2
        psi = self._cluster_sums(f)
        cross: FloatArray = psi.T @ psi
        return cross

    def _cluster_sums(self, f: Functionals) -> FloatArray:
        """``Σ_{i∈k} ψ_i`` per cluster (n_clusters × F)."""
        assert self.row_cluster is not None
        psi = np.zeros((self.n_clusters, f.m.shape[1]))
        for c, (r0, r1) in enumerate(zip(self.bounds[:-1], self.bounds[1:], strict=True)):
            if r0 == r1:
                continue
            value = self.rows[r0:r1] @ f.beta[c] + self.row_counts[r0:r1, None] * f.m[c]
            psi[self.row_cluster[r0:r1]] += value
        return psi

    # --- multiplier bootstrap ----------------------------------------------------------------

    def multiplier_moments(
        self, draws: int, rng: np.random.Generator, kind: MultiplierWeights
    ) -> tuple[FloatArray, FloatArray]:
        """``Z`` (draws, C, T) and ``z`` (draws, C) for multipliers drawn per cluster (or unit)."""
        n_cohorts, n_periods = self.cohort_counts.size, self.rows.shape[1]
        big_z = np.zeros((draws, n_cohorts, n_periods))
        small_z = np.zeros((draws, n_cohorts))
        blocks = list(enumerate(zip(self.bounds[:-1], self.bounds[1:], strict=True)))
        if self.row_cluster is None:
            # One row per unit and cluster: draw per block of rows, all draws at once.
            step = max(1, _CHUNK_ELEMENTS // draws)
            for c, (start, stop) in blocks:
                for r0 in range(start, stop, step):
                    r1 = min(r0 + step, stop)
                    v = _multipliers(rng, (draws, r1 - r0), kind)
                    big_z[:, c] += v @ self.rows[r0:r1]
                    small_z[:, c] += v.sum(axis=1)
            return big_z, small_z
        step = max(1, _CHUNK_ELEMENTS // self.n_clusters)
        for d0 in range(0, draws, step):
            d1 = min(d0 + step, draws)
            v = _multipliers(rng, (d1 - d0, self.n_clusters), kind)
            for c, (r0, r1) in blocks:
                v_rows = v[:, self.row_cluster[r0:r1]]
                big_z[d0:d1, c] = v_rows @ self.rows[r0:r1]
                small_z[d0:d1, c] = v_rows @ self.row_counts[r0:r1]
        return big_z, small_z

    def multiplier_sums(
        self,
        target: Functionals | CellFunctionals,
        draws: int,
        rng: np.random.Generator,
        kind: MultiplierWeights,
    ) -> FloatArray:
        """``Σ_k v_k Σ_{i∈k} ψ_i`` for ``draws`` draws of multipliers ``v`` (draws × F)."""
        big_z, small_z = self.multiplier_moments(draws, rng, kind)
        if isinstance(target, Functionals):
            n_cohorts, n_periods, n_out = target.beta.shape
            flat = big_z.reshape(draws, n_cohorts * n_periods)
            out: FloatArray = flat @ target.beta.reshape(n_cohorts * n_periods, n_out)
            return out + small_z @ target.m
        out = small_z @ target.m
        for c in range(self.cohort_counts.size):
            if target.a[c].any():
                out += (big_z[:, c, target.post] - big_z[:, c, target.base]) * target.a[c]
        return out
