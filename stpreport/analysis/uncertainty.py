"""Step 3: a seeded, vectorised Monte Carlo of delivered savings, footprint by footprint.

Each scheme delivers a share of its planned saving: all or nothing (Bernoulli p) for the
categories in `all_or_nothing` (reconfigurations), otherwise a Beta share with mean p and
concentration k. Schemes in one footprint share a system-wide shock through a Gaussian copula
with correlation rho: U = Phi(sqrt(rho) Z_system + sqrt(1 - rho) Z_scheme).

Each footprint draws from its own stream, seeded by the run's seed and the footprint code, so a
footprint's numbers are the same whether it is simulated alone or with the other 43.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpreport.assumptions import Assumptions

GRID = 1025
"""Points of the tabulated Beta inverse CDF; interpolation error is far below sampling error."""


def _beta_tables(p: np.ndarray, k: float) -> np.ndarray:
    """Inverse Beta(p k, (1 - p) k) CDF on a uniform grid, one row per value of p."""
    from scipy import special  # imported when first needed: the build's main process and
    # its kernels load this module long before (or without ever) simulating
    grid = np.linspace(0.0, 1.0, GRID)
    pc = np.clip(p, 1e-6, 1 - 1e-6)[:, None]
    return special.betaincinv(pc * k, (1 - pc) * k, grid[None, :])


def _interpolate(tables: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """tables[rows[j]] evaluated at u[:, j] by linear interpolation on the grid."""
    position = u * (GRID - 1)
    left = np.minimum(position.astype(np.int32), GRID - 2)
    weight = position - left
    lo = tables[rows[None, :], left]
    hi = tables[rows[None, :], left + 1]
    return lo + (hi - lo) * weight


def footprint_stream(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(code.encode("utf-8"))])


def simulate_footprint(planned: np.ndarray, p: np.ndarray, all_or_nothing: np.ndarray,
                       a: Assumptions, code: str, tables: np.ndarray | None = None,
                       table_rows: np.ndarray | None = None) -> np.ndarray:
    """Delivered savings (£m) of one footprint's schemes in each of `a.draws` draws."""
    n = len(planned)
    if n == 0:
        return np.zeros(a.draws)
    from scipy import special

    rng = footprint_stream(a.seed, code)
    rho = a.correlation
    system = rng.standard_normal((a.draws, 1))
    own = rng.standard_normal((a.draws, n))
    u = special.ndtr(np.sqrt(rho) * system + np.sqrt(1 - rho) * own)
    if tables is None or table_rows is None:
        values, table_rows = np.unique(p, return_inverse=True)
        tables = _beta_tables(values, a.concentration)
    share = _interpolate(tables, table_rows, u)
    share = np.where(all_or_nothing[None, :], (u < p[None, :]).astype(float), share)
    return share @ planned


@dataclass(frozen=True)
class Outcome:
    """One footprint's simulated delivery against its gap."""

    mean: float
    p10: float
    p50: float
    p90: float
    p_balance: float
    expected_shortfall: float
    at_confidence: float
    shortfall_at_confidence: float


def summarise(delivered: np.ndarray, gap: float, confidence: float) -> Outcome:
    """P10/P50/P90, the chance delivered >= gap, the expected shortfall, and the savings
    delivered with `confidence` (the (1 - confidence) quantile) with the gap left at it."""
    p10, p50, p90, at_conf = np.quantile(delivered, [0.1, 0.5, 0.9, 1 - confidence])
    return Outcome(
        mean=float(delivered.mean()), p10=float(p10), p50=float(p50), p90=float(p90),
        p_balance=float((delivered >= gap).mean()) if gap > 0 else 1.0,
        expected_shortfall=float(np.maximum(gap - delivered, 0).mean()),
        at_confidence=float(at_conf), shortfall_at_confidence=float(max(gap - at_conf, 0.0)),
    )


def simulate(scored: pd.DataFrame, gaps: pd.Series, a: Assumptions) -> pd.DataFrame:
    """One row per footprint in `gaps` (code -> do-nothing gap): the `Outcome` fields."""
    values, rows = np.unique(scored["p"].to_numpy(float), return_inverse=True)
    tables = _beta_tables(values, a.concentration) if len(values) else np.zeros((0, GRID))
    by_footprint = {code: idx for code, idx in scored.groupby("footprint").indices.items()}
    records = {}
    for code, gap in gaps.items():
        idx = by_footprint.get(code, np.array([], dtype=int))
        schemes = scored.iloc[idx]
        delivered = simulate_footprint(
            schemes["planned_saving"].to_numpy(float), schemes["p"].to_numpy(float),
            schemes["category"].isin(a.all_or_nothing).to_numpy(), a, str(code),
            tables, rows[idx])
        records[code] = summarise(delivered, float(gap), a.confidence).__dict__
    return pd.DataFrame.from_dict(records, orient="index").rename_axis("code")
