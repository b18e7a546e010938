"""Plan a build: which briefings exist, what each depends on, and which must run and why.

A run's fingerprint covers its own slice of the figures, the slice of the national figures
its pack quotes (`national_slice`), the assumptions, the notebook's cells, the package (code
and templates), the edition and the previous edition it compares with. Editing one
footprint's schemes (without capital) or stated gap therefore reruns that footprint and the
national briefing; editing capital, which moves the pot's chance and the national capital
asked for, or an allocation, which moves every footprint's share of the levers, rightly
reruns them all.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from stpreport.digests import package_fingerprint
from stpreport.fingerprint import (
    assumptions_fingerprint,
    digest,
    figures_fingerprint,
    file_fingerprint,
    footprint_fingerprints,
    grouped_fingerprints,
    notebook_fingerprint,
)
from stpreport.inputs import Figures

if TYPE_CHECKING:
    from stpreport.analysis import Analysis
from stpreport.paths import project_file

NATIONAL = "national"
SCENARIOS = "scenarios"
"""The run, and the files, of the comparison of scenarios in a base edition."""


@dataclass(frozen=True)
class Run:
    key: str  # a footprint code, or "national"
    notebook: Path
    parameters: dict
    components: dict[str, str]
    outputs: tuple[str, ...]  # file names in the edition folder
    fingerprint: str = field(init=False)

    def __post_init__(self):
        joined = json.dumps(self.components, sort_keys=True).encode("utf-8")
        object.__setattr__(self, "fingerprint", digest(joined))


RANKED = ("rank", "rank_low", "rank_high")
"""Columns of a footprint's summary row that place it among all the others: quoted in its
pack where the analysis provides them ("Rank 3 of 44, 80% range 2 to 6")."""


def national_slice(analysis: Analysis, code: str) -> dict[str, object]:
    """Every number from the other footprints that footprint `code`'s pack quotes or depends
    on, by name, exactly. Its fingerprint is the pack's "national_context" component, so a
    change elsewhere reruns this pack when, and only when, one of these numbers changes.

    Keep it in step with `briefing/footprint.py`: a pack that starts quoting another national
    figure (a regional total, a national quantile) adds it here, by name, or that pack goes
    stale silently when the figure changes. The analysis is at hand, so such figures are read
    from it, not recomputed.

    Besides the national figures it quotes, the slice holds every analysed number the pack
    shows about itself (its summary row, year-by-year trajectory, scored schemes, sensitivity
    and lever plan), since some rest on other footprints: the national pot's chance (capital
    gates), the activity shares behind its recovery cost, its rank among the others. Levers and
    recovery are shared out by fixed national totals or the footprints' activity, so one
    footprint's allocation edit reruns that pack and the national briefing, and another pack
    only if its rank range moves. The pack's rows of the year-by-year, scheme and
    sensitivity tables enter as the fingerprint of their exact values
    (`fingerprint.grouped_fingerprints`).
    """
    return national_slices(analysis, [code])[code]


def national_slices(analysis: Analysis, codes: list[str]) -> dict[str, dict[str, object]]:
    """`national_slice` of each footprint in `codes`, each table grouped once for them all."""
    from stpreport.pipeline.codec import encode

    shared = {
        # the capital section: "footprints ask for X against a pot of Y, so each unsecured
        # pound has a Z chance" (the pot is an assumption, fingerprinted with them); the
        # chance also scores each of the pack's schemes that needs capital
        "pot_chance": float(analysis.pot_chance),
        "capital_requested": float(analysis.national["totals"]["capital_requested"]),
        # its place among the others: "Rank r of n (80% range ...)"
        "footprints": len(analysis.summary),
    }
    tables = {
        "trajectory": grouped_fingerprints(analysis.trajectory, "code", codes),
        "schemes": grouped_fingerprints(analysis.schemes, "footprint", codes),
        "sensitivity": grouped_fingerprints(analysis.sensitivity, "code", codes),
    }
    ranked = [c for c in RANKED if c in analysis.summary.columns]
    plans = _plan_values(analysis, codes)
    records = analysis.summary.to_dict("index")
    slices = {}
    for code in codes:
        row = records[code]
        slices[code] = shared | {
            "rank": {c: encode(row[c]) for c in ranked},
            # what must give: the whole plan for this footprint
            "what_must_give": plans[code],
            # every other number the pack shows about itself
            "summary": encode(row),
            **{name: prints[code] for name, prints in tables.items()},
            "drivers": encode(analysis.drivers[code]),
        }
    return slices


def _plan_values(analysis: Analysis, codes: list[str]) -> dict[str, dict[str, object]]:
    """Each footprint's lever plan by field, a table (its levers) as that table's fingerprint:
    the footprints' tables put together and hashed once."""
    import pandas as pd

    from stpreport.pipeline.codec import encode

    plans = {code: analysis.reprioritisation[code] for code in codes}
    if not plans:
        return {}
    fields = [f.name for f in dataclasses.fields(next(iter(plans.values())))]
    tables = {
        name: grouped_fingerprints(
            pd.concat([getattr(p, name).assign(_footprint=c) for c, p in plans.items()]),
            "_footprint",
            codes,
        )
        for name in fields
        if all(isinstance(getattr(p, name), pd.DataFrame) for p in plans.values())
    }
    return {
        code: {
            name: tables[name][code] if name in tables else encode(getattr(plan, name))
            for name in fields
        }
        for code, plan in plans.items()
    }


def national_context(analysis: Analysis, code: str) -> str:
    return national_contexts(analysis, [code])[code]


def national_contexts(analysis: Analysis, codes: list[str]) -> dict[str, str]:
    """Each footprint's "national_context" component: the digest of its `national_slice`."""
    return {
        code: digest(json.dumps(part, sort_keys=True).encode())
        for code, part in national_slices(analysis, codes).items()
    }


def inputs_fingerprint(figures: Figures, params_path: Path, scenario: Path | None = None) -> str:
    """Everything the summary tables and the analysis cache depend on."""
    return digest(
        figures_fingerprint(figures, None).encode(),
        assumptions_fingerprint(params_path, scenario).encode(),
        package_fingerprint().encode(),
    )


def plan_runs(
    figures: Figures,
    analysis: Analysis,
    *,
    figures_path: Path,
    params_path: Path,
    codes: list[str],
    include_national: bool,
    formats: tuple[str, ...],
    edition: str,
    build_date: str,
    previous: Path | None,
    previous_fingerprints: dict[str, str],
    notebooks: Path | None = None,
    analysis_cache: Path | None = None,
    scenario: Path | None = None,
    scenarios: tuple[Path, ...] = (),
) -> list[Run]:
    """The runs of one edition: each footprint, the national briefing, and (with `scenarios`)
    the comparison of the scenarios against these assumptions. With `scenario`, the runs
    are built under that scenario's assumptions."""
    shared = {
        "assumptions": assumptions_fingerprint(params_path, scenario),
        "package": package_fingerprint(),
        "edition": digest(f"{edition}|{build_date}".encode()),
    }
    base = {
        "figures": str(figures_path),
        "params": str(params_path),
        "edition": edition,
        "build_date": build_date,
        "previous": str(previous) if previous else None,
        "analysis_cache": str(analysis_cache) if analysis_cache else None,
        "scenario": str(scenario) if scenario else None,
    }
    runs = []
    folder = notebooks or project_file("notebooks")
    notebook = folder / "footprint.ipynb"
    notebook_print = notebook_fingerprint(notebook)
    figure_prints = footprint_fingerprints(figures, codes)
    contexts = national_contexts(analysis, codes)
    for code in codes:
        components = shared | {
            "figures": figure_prints[code],
            "national_context": contexts[code],
            "notebook": notebook_print,
            "previous": previous_fingerprints.get(code, "none"),
        }
        runs.append(
            Run(code, notebook, base | {"footprint": code}, components, _outputs(code, formats))
        )
    if include_national:
        notebook = folder / "national.ipynb"
        components = shared | {
            "figures": figures_fingerprint(figures, None),
            "notebook": notebook_fingerprint(notebook),
            "previous": previous_fingerprints.get(NATIONAL, "none"),
        }
        runs.append(Run(NATIONAL, notebook, base, components, _outputs(NATIONAL, formats)))
    if scenarios:
        notebook = folder / "scenarios.ipynb"
        components = shared | {
            "figures": figures_fingerprint(figures, None),
            "notebook": notebook_fingerprint(notebook),
            "scenarios": digest(*(f"{p.name}:{file_fingerprint(p)}".encode() for p in scenarios)),
        }
        parameters = {
            "scenarios": [str(p) for p in scenarios],
            "figures": str(figures_path),
            "params": str(params_path),
            "edition": edition,
            "build_date": build_date,
            "links": False,
        }
        runs.append(Run(SCENARIOS, notebook, parameters, components, _outputs(SCENARIOS, formats)))
    return runs


def _outputs(stem: str, formats: tuple[str, ...]) -> tuple[str, ...]:
    return (f"{stem}.ipynb", *(f"{stem}.{f}" for f in formats))


def reasons(run: Run, entry: dict | None, present: Callable[[str], bool], force: bool) -> list[str]:
    """Why `run` must run (empty: it is up to date); `present(name)` says whether the edition
    holds the output `name`."""
    if force:
        return ["--force"]
    if entry is None:
        return ["not built in this edition yet"]
    why = []
    if entry.get("status") != "ok":
        why.append("failed last time")
    old = entry.get("components", {})
    why += [f"{name} changed" for name, value in run.components.items() if old.get(name) != value]
    missing = [name for name in run.outputs if not present(name)]
    if missing:
        why.append("missing " + ", ".join(missing))
    return why
