"""What every briefing loads first: figures, assumptions, the analysis and the edition."""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from stpreport import __version__
from stpreport.analysis import Analysis, analyse
from stpreport.assumptions import Assumptions, default_assumptions_path, load_assumptions
from stpreport.fingerprint import figures_fingerprint, file_fingerprint
from stpreport.inputs import Figures, bundled_figures_path, load_figures


@dataclass(frozen=True)
class Context:
    figures: Figures
    assumptions: Assumptions
    analysis: Analysis
    edition: str
    build_date: str
    figures_path: str
    params_path: str


@lru_cache(maxsize=4)
def _load(figures_path: str, params_path: str, mtimes: tuple[float, float]
          ) -> tuple[Figures, Assumptions, Analysis]:
    figures = load_figures(figures_path)
    assumptions = load_assumptions(params_path)
    return figures, assumptions, analyse(figures, assumptions)


def _mtime(path: Path) -> float:
    if path.is_dir():
        return max((p.stat().st_mtime for p in path.iterdir()), default=0.0)
    return path.stat().st_mtime


@lru_cache(maxsize=2)
def _load_cache(path: str) -> tuple[Figures, Assumptions, Analysis]:
    with open(path, "rb") as fh:
        return pickle.load(fh)


def load_context(figures: str | None, params: str | None, edition: str | None,
                 build_date: str | None = None, analysis_cache: str | None = None) -> Context:
    """Load (or reuse, in a warm kernel, while the files are unchanged) everything a briefing
    needs. The edition defaults to today's date, which is also the build date shown.

    `analysis_cache` is the file in which `stpreport build` keeps the analysis it computed
    once for these very figures and assumptions (its name is their fingerprint); reading it
    gives the same numbers as computing them again, without the cost."""
    figures_path = Path(figures) if figures else bundled_figures_path()
    params_path = Path(params) if params else default_assumptions_path()
    if analysis_cache and Path(analysis_cache).is_file():
        loaded = _load_cache(str(analysis_cache))
    else:
        loaded = _load(str(figures_path), str(params_path),
                       (_mtime(figures_path), _mtime(params_path)))
    today = dt.date.today().isoformat()
    return Context(*loaded, edition=edition or today, build_date=build_date or edition or today,
                   figures_path=str(figures_path), params_path=str(params_path))


def provenance_items(ctx: Context, code: str | None) -> list[tuple[str, str]]:
    return [
        ("Edition", ctx.edition),
        ("Build date", ctx.build_date),
        ("Figures", ctx.figures_path if code is None else f"{ctx.figures_path} ({code})"),
        ("Figures fingerprint", figures_fingerprint(ctx.figures, code)),
        ("Assumptions", ctx.params_path),
        ("Assumptions fingerprint", file_fingerprint(Path(ctx.params_path))),
        ("stpreport version", __version__),
    ]
