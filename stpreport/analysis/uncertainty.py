"""Step 3: one seeded, vectorised Monte Carlo of the gap and the savings, year by year.

Every draw takes, together:
- the national drivers, common to all footprints: one demand growth rate, one cost growth rate
  and one shift of the funding path (normal, with the spreads in `growth.spread`), plus each
  footprint's own deviation of demand growth (`growth.spread.local_demand`);
- each scheme's delivery: all or nothing (Bernoulli p) for categories whose base rate is a
  probability, otherwise a Beta share with mean p and concentration k. A footprint's schemes
  share a system-wide shock through a Gaussian copula with correlation rho:
  U = Phi(sqrt(rho) Z_system + sqrt(1 - rho) Z_scheme).
Savings arrive along each scheme's phasing. The honest gap in year y of a draw is
cost_y - funding_y + recovery_y + contracts_y - delivered_y.

Footprint and national quantiles come from the same joint draws: the national honest gap of a
draw is the sum of its footprints' honest gaps, and its quantiles are taken from those sums
(not by adding footprint quantiles, which would assume every footprint moves together).

The national drivers come from a stream seeded by the run's seed alone, and each footprint's
own draws from a stream seeded by the seed and its code, so a footprint's numbers are the same
whether it is simulated alone or with the other 43.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from stpreport.assumptions import YEARS, Assumptions

GRID = 1025
"""Points of the tabulated Beta inverse CDF; interpolation error is far below sampling error."""
QUANTILES = (0.1, 0.5, 0.8, 0.9)
SHARE_COLUMNS = ("share_2017_18", "share_2018_19", "share_2019_20")
STRAIGHT_LINE = (0.25, 0.5, 0.75)
"""A scheme with no phasing reaches its recurrent saving in a straight line to 2020/21."""


def _beta_tables(p: np.ndarray, k: float) -> np.ndarray:
    """Inverse Beta(p k, (1 - p) k) CDF on a uniform grid, one row per value of p."""
    if not len(p):
        return np.zeros((0, GRID))
    return np.vstack([_beta_row(float(value), float(k)) for value in p])


@functools.lru_cache(maxsize=4096)
def _beta_row(p: float, k: float) -> np.ndarray:
    """One row of `_beta_tables`, kept: a process that analyses again (`build --watch`)
    computes only the rows of new base rates (SciPy's `betaincinv` is 4 ms a row)."""
    from scipy import special  # imported when first needed: the build's main process and

    # its kernels load this module long before (or without ever) simulating
    grid = np.linspace(0.0, 1.0, GRID)
    pc = min(max(p, 1e-6), 1 - 1e-6)
    row = special.betaincinv(pc * k, (1 - pc) * k, grid)
    row.flags.writeable = False
    return row


def _interpolate(tables: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """tables[rows[j]] evaluated at u[:, j] by linear interpolation on the grid."""
    position = u * (GRID - 1)
    left = np.minimum(position.astype(np.int32), GRID - 2)
    weight = position - left
    at = left + (rows * GRID)[None, :]  # flat positions: one `take` instead of 2-D indexing
    flat = np.ascontiguousarray(tables).ravel()
    lo = flat.take(at)
    hi = flat.take(at + 1)
    return lo + (hi - lo) * weight


def phasing(schemes: pd.DataFrame) -> np.ndarray:
    """Schemes x YEARS: the cumulative share of each scheme's recurrent saving reached in each
    year (0 in the base year, 1 in 2020/21). A scheme with no phasing follows a straight line;
    a blank year in a scheme that gives others holds the year before."""
    n = len(schemes)
    given = (
        np.column_stack(
            [
                schemes[c].to_numpy(float) if c in schemes else np.full(n, np.nan)
                for c in SHARE_COLUMNS
            ]
        )
        if n
        else np.zeros((0, 3))
    )
    none_given = np.isnan(given).all(axis=1)
    out = np.zeros((n, len(YEARS)))
    out[:, -1] = 1.0
    for j, line in enumerate(STRAIGHT_LINE):
        held = np.where(np.isnan(given[:, j]), out[:, j], given[:, j])
        out[:, j + 1] = np.where(none_given, line, held)
    return out


def footprint_stream(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(code.encode("utf-8"))])


def national_stream(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, 0])


@dataclass(frozen=True)
class Drivers:
    """The national drivers of every draw: annual rates (draws,) and the funding shift."""

    demand: np.ndarray
    cost: np.ndarray
    funding_shift: np.ndarray

    @classmethod
    def draw(cls, a: Assumptions) -> Drivers:
        z = national_stream(a.seed).standard_normal((3, a.draws))
        return cls(
            a.demand_growth + a.spread_demand * z[0],
            a.cost_growth + a.spread_cost * z[1],
            a.spread_funding * z[2],
        )


def delivered_shares(
    p: np.ndarray,
    all_or_nothing: np.ndarray,
    a: Assumptions,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draws x schemes: the share of each scheme's planned saving delivered in each draw."""
    n = len(p)
    from scipy import special

    rho = a.correlation
    system = rng.standard_normal((a.draws, 1))
    own = rng.standard_normal((a.draws, n))
    u = special.ndtr(np.sqrt(rho) * system + np.sqrt(1 - rho) * own)
    values, table_rows = np.unique(p, return_inverse=True)  # each row computed once a process
    share = _interpolate(_beta_tables(values, a.concentration), table_rows, u)
    return np.where(all_or_nothing[None, :], (u < p[None, :]).astype(float), share)


def gap_draws(
    spend: float, allocation: float, local_demand: np.ndarray, drivers: Drivers, a: Assumptions
) -> np.ndarray:
    """Draws x YEARS: cost minus funding in each year of each draw (£m)."""
    steps = np.arange(len(YEARS))[None, :]
    demand = (drivers.demand + local_demand)[:, None]
    cost = spend * ((1 + demand) * (1 + drivers.cost[:, None])) ** steps
    rates = np.array([0.0] + [a.funding_growth[y] for y in YEARS[1:]])[None, :]
    growth = 1 + rates + np.where(steps > 0, drivers.funding_shift[:, None], 0.0)
    funding = allocation * np.cumprod(growth, axis=1)
    return cost - funding


@dataclass(frozen=True)
class FootprintDraws:
    """One footprint's joint draws: honest gap and delivered savings, draws x YEARS."""

    honest: np.ndarray
    delivered: np.ndarray


def simulate_footprint(
    *,
    code: str,
    spend: float,
    allocation: float,
    extra: np.ndarray,
    planned: np.ndarray,
    p: np.ndarray,
    all_or_nothing: np.ndarray,
    phase: np.ndarray,
    drivers: Drivers,
    a: Assumptions,
) -> FootprintDraws:
    """The joint draws of one footprint. `extra` (YEARS,) is the recovery and contracts cost
    added to the gap in each year; `phase` (schemes x YEARS) the schemes' phasing."""
    rng = footprint_stream(a.seed, code)
    local = a.spread_local_demand * rng.standard_normal(a.draws)
    gap = gap_draws(spend, allocation, local, drivers, a) + extra[None, :]
    if len(planned):
        shares = delivered_shares(p, all_or_nothing, a, rng)
        delivered = shares @ (planned[:, None] * phase)
    else:
        delivered = np.zeros_like(gap)
    return FootprintDraws(honest=gap - delivered, delivered=delivered)


def quantiles(values: np.ndarray) -> dict[str, float]:
    """P10/P50/P80/P90 and the mean of `values` (one footprint's or the nation's draws)."""
    q = np.quantile(values, QUANTILES)
    return {
        "mean": float(values.mean()),
        **{f"p{round(x * 100)}": float(v) for x, v in zip(QUANTILES, q, strict=True)},
    }


@dataclass(frozen=True)
class Simulation:
    """What the briefings take from the joint draws."""

    summary: pd.DataFrame  # per footprint: honest_mean, honest_p10..p90, gap_at_confidence,
    #                        p_balance, expected_shortfall, delivered_p10/p50/p90,
    #                        rank_low, rank_high
    by_year: pd.DataFrame  # code, year, honest_mean, honest_p10, honest_p50, honest_p90
    national: dict[str, float]  # honest gap quantiles of the national total, p_balance
    national_by_year: pd.DataFrame  # year, honest_mean, honest_p10, honest_p50, honest_p90


class DrawStore(Protocol):
    """Somewhere to keep footprints' draws between processes (the build's analysis cache,
    `pipeline/cache.py`): this package reads and writes no files itself. `get` returns what
    `put` was given under the same key, or None; a store that cannot tell must say None."""

    def get(self, key: str) -> np.ndarray | None: ...

    def put(self, key: str, draws: np.ndarray) -> None: ...


def simulate(
    scored: pd.DataFrame,
    footprints: pd.DataFrame,
    extra: pd.DataFrame,
    a: Assumptions,
    phase: np.ndarray | None = None,
    store: DrawStore | None = None,
) -> Simulation:
    """Every footprint in `footprints` and the nation from one set of joint draws.
    `extra` is footprint x YEARS: recovery and contracts costs added to the gap; `phase` is
    `phasing(scored)`, computed here unless the caller has it. A footprint whose draws for
    the same inputs are kept in this process, or in `store`, is not drawn again (the draws
    are the same: see the module's docstring)."""
    by_footprint = scored.groupby("footprint").indices
    phase = phasing(scored) if phase is None else phase
    drivers = Drivers.draw(a)
    codes = list(footprints["code"])
    fp = footprints.set_index("code")
    finals = np.empty((len(codes), a.draws))
    national_years = np.zeros((a.draws, len(YEARS)))
    records, yearly = {}, []
    for i, code in enumerate(codes):
        idx = by_footprint.get(code, np.array([], dtype=int))
        schemes = scored.iloc[idx]
        inputs = {
            "code": str(code),
            "spend": float(fp.at[code, "nhs_spend"]),
            "allocation": float(fp.at[code, "nhs_allocation"]),
            "extra": extra.loc[code].to_numpy(float),
            "planned": schemes["planned_saving"].to_numpy(float),
            "p": schemes["p"].to_numpy(float),
            "all_or_nothing": schemes["all_or_nothing"].to_numpy(bool),
            "phase": phase[idx],
        }
        key = _inputs_key(inputs, a)
        result = _KEPT.pop(key, None) or _stored(store, key, str(code), a)
        if result is None:
            draws = simulate_footprint(**inputs, drivers=drivers, a=a)
            result = _summarised(str(code), draws.honest, draws.delivered[:, -1], a.confidence)
            if store is not None and len(codes) <= KEEP_FOOTPRINTS:
                store.put(key, np.column_stack([draws.honest, draws.delivered[:, -1]]))
        _KEPT[key] = result  # the most recently used last
        while len(_KEPT) > KEEP_FOOTPRINTS:
            _KEPT.popitem(last=False)
        finals[i] = result.honest[:, -1]
        national_years += result.honest
        records[code] = result.record
        yearly += result.yearly
    summary = pd.DataFrame.from_dict(records, orient="index").rename_axis("code")
    low, high = rank_intervals(finals, fp["population"].reindex(codes).to_numpy(float))
    summary["rank_low"], summary["rank_high"] = low, high
    total = finals.sum(axis=0)
    national = quantiles(total)
    national["at_confidence"] = float(np.quantile(total, a.confidence))
    national["p_balance"] = float((total <= 0).mean())
    national["sum_of_footprint_at_confidence"] = float(summary["gap_at_confidence"].sum())
    national_by_year = pd.DataFrame(
        [
            {"year": year, **{f"honest_{k}": v for k, v in quantiles(national_years[:, j]).items()}}
            for j, year in enumerate(YEARS)
        ]
    )
    return Simulation(summary, pd.DataFrame(yearly), national, national_by_year)


@dataclass(frozen=True)
class _Summarised:
    """One footprint's simulation as `simulate` uses it: its honest gap in every draw and
    year, its summary record and its year-by-year quantiles."""

    honest: np.ndarray
    record: dict
    yearly: list[dict]


KEEP_FOOTPRINTS = 64
"""Footprints whose simulation this process keeps (0.4 MB each, 26 MB at most), keyed by
everything their draws depend on (`_inputs_key`): analysing again after one footprint's
figures changed (`build --watch`) draws again for that footprint alone. The draws are the same
either way: a footprint's own stream is seeded by the seed and its code, the national drivers
by the seed. Enough for the 44 footprints; a larger edition is drawn whole each time."""
_KEPT: OrderedDict[str, _Summarised] = OrderedDict()


def forget_kept() -> None:
    """Drop the footprints' kept simulations (the next `simulate` draws every one again)."""
    _KEPT.clear()


def _inputs_key(inputs: dict, a: Assumptions) -> str:
    """A digest of a footprint's simulation inputs and of all the assumptions (whose repr
    holds every field: any change to any assumption draws again)."""
    h = hashlib.sha256(repr(a).encode("utf-8"))
    for name, value in inputs.items():
        h.update(name.encode("utf-8"))
        if isinstance(value, np.ndarray):
            h.update(repr((value.dtype.str, value.shape)).encode("utf-8"))
            h.update(np.ascontiguousarray(value).tobytes())
        else:
            h.update(repr(value).encode("utf-8"))
    return h.hexdigest()


def _stored(store: DrawStore | None, key: str, code: str, a: Assumptions) -> _Summarised | None:
    """A footprint's draws from `store` (its honest gap in each year and its delivered savings
    in the last, per draw), if they are there and have the shape these assumptions draw."""
    draws = store.get(key) if store is not None else None
    if draws is None or draws.dtype != np.float64 or draws.shape != (a.draws, len(YEARS) + 1):
        return None
    honest = np.ascontiguousarray(draws[:, :-1])
    return _summarised(code, honest, draws[:, -1], a.confidence)


def _summarised(
    code: str, honest: np.ndarray, delivered: np.ndarray, confidence: float
) -> _Summarised:
    """`honest`: draws x YEARS; `delivered`: the savings delivered in the last year, per draw."""
    yearly = []
    for j, year in enumerate(YEARS):
        q = quantiles(honest[:, j])
        yearly.append(
            {
                "code": code,
                "year": year,
                "honest_mean": q["mean"],
                "honest_p10": q["p10"],
                "honest_p50": q["p50"],
                "honest_p90": q["p90"],
            }
        )
    record = _footprint_record(honest[:, -1], delivered, confidence)
    honest.flags.writeable = False
    return _Summarised(honest, record, yearly)


def _footprint_record(final: np.ndarray, delivered: np.ndarray, confidence: float) -> dict:
    q = quantiles(final)
    d10, d50, d90 = np.quantile(delivered, [0.1, 0.5, 0.9])
    return {
        "honest_mean": q["mean"],
        "honest_p10": q["p10"],
        "honest_p50": q["p50"],
        "honest_p80": q["p80"],
        "honest_p90": q["p90"],
        "gap_at_confidence": float(max(np.quantile(final, confidence), 0.0)),
        "p_balance": float((final <= 0).mean()),
        "expected_shortfall": float(np.maximum(final, 0).mean()),
        "delivered_p10": float(d10),
        "delivered_p50": float(d50),
        "delivered_p90": float(d90),
    }


def rank_intervals(
    finals: np.ndarray, population: np.ndarray, coverage: float = 0.8
) -> tuple[np.ndarray, np.ndarray]:
    """Each footprint's rank by honest gap per head (1 = largest) in every draw, and the
    central `coverage` interval of those ranks: (low, high) rank numbers per footprint."""
    per_head = finals / population[:, None]
    ranks = (-per_head).argsort(axis=0, kind="stable").argsort(axis=0, kind="stable") + 1
    tail = (1 - coverage) / 2
    low = np.quantile(ranks, tail, axis=1, method="lower")
    high = np.quantile(ranks, 1 - tail, axis=1, method="higher")
    return low.astype(int), high.astype(int)
