"""What every briefing loads first: figures, assumptions, the analysis and the edition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from stpreport import __version__
from stpreport.analysis import Analysis, analyse
from stpreport.assumptions import Assumptions, default_assumptions_path
from stpreport.fingerprint import assumptions_fingerprint, figures_fingerprint
from stpreport.inputs import Figures, bundled_figures_path, load_figures
from stpreport.paths import shown_path
from stpreport.scenarios import scenario_assumptions


@dataclass(frozen=True)
class Context:
    figures: Figures
    assumptions: Assumptions
    analysis: Analysis
    edition: str
    build_date: str
    figures_path: str  # as shown: relative to the project, or just the name (no local path)
    params_path: str
    assumptions_fingerprint: str = ""
    scenario: str = ""  # the scenario's title, when the assumptions are a scenario's


@lru_cache(maxsize=4)
def _load(
    figures_path: str, params_path: str, scenario: str | None, mtimes: tuple[float, ...]
) -> tuple[Figures, Assumptions, Analysis]:
    figures = load_figures(figures_path)
    assumptions = scenario_assumptions(params_path, scenario)
    return figures, assumptions, analyse(figures, assumptions)


def _mtime(path: Path) -> float:
    if path.is_dir():
        return max((p.stat().st_mtime for p in path.iterdir()), default=0.0)
    return path.stat().st_mtime


@lru_cache(maxsize=2)
def _load_cache(path: str) -> tuple[Figures, Assumptions, Analysis] | None:
    """The build's analysis cache entry at `path`, if it checks out (`pipeline/cache.py`):
    data only, verified against its hash; anything else is computed again."""
    from stpreport.pipeline import cache

    name = Path(path).name
    if not (name.startswith("analysis-") and name.endswith(".json")):
        return None
    cached = cache.read(Path(path), name.removeprefix("analysis-").removesuffix(".json"))
    return None if cached is None else (cached.figures, cached.assumptions, cached.analysis)


def load_context(
    figures: str | None,
    params: str | None,
    edition: str | None,
    build_date: str | None = None,
    analysis_cache: str | None = None,
    scenario: str | None = None,
) -> Context:
    """Load (or reuse, in a warm kernel, while the files are unchanged) everything a briefing
    needs. The edition defaults to today's date, which is also the build date shown.

    `analysis_cache` is the file in which `stpreport build` keeps the analysis it computed
    once for these very figures and assumptions (its name is their fingerprint); reading it
    gives the same numbers as computing them again, without the cost."""
    figures_path = Path(figures) if figures else bundled_figures_path()
    params_path = Path(params) if params else default_assumptions_path()
    loaded = _load_cache(str(analysis_cache)) if analysis_cache else None
    if loaded is None:
        mtimes = (
            _mtime(figures_path),
            _mtime(params_path),
            *((_mtime(Path(scenario)),) if scenario else ()),
        )
        loaded = _load(str(figures_path), str(params_path), scenario or None, mtimes)
    today = dt.date.today().isoformat()
    title = ""
    if scenario:
        from stpreport.scenarios import load_scenario

        title = load_scenario(scenario, params_path).title
    return Context(
        *loaded,
        edition=edition or today,
        build_date=build_date or edition or today,
        figures_path=shown_path(figures_path),
        params_path=shown_path(params_path),
        assumptions_fingerprint=assumptions_fingerprint(params_path, scenario),
        scenario=title,
    )


def provenance_items(ctx: Context, code: str | None) -> list[tuple[str, str]]:
    return [
        ("Edition", ctx.edition),
        ("Build date", ctx.build_date),
        ("Figures", ctx.figures_path if code is None else f"{ctx.figures_path} ({code})"),
        ("Figures fingerprint", figures_fingerprint(ctx.figures, code)),
        ("Assumptions", ctx.params_path),
        ("Assumptions fingerprint", ctx.assumptions_fingerprint),
        *((("Scenario", ctx.scenario),) if ctx.scenario else ()),
        ("stpreport version", __version__),
    ]
