"""Plan a build: which briefings exist, what each depends on, and which must run and why.

A run's fingerprint covers its own slice of the figures, the slice of the national context
its pack quotes (`national_slice`), the assumptions, the notebook's cells, the package (code
and templates), the edition and the previous edition it compares with. Editing one
footprint's schemes or allocation therefore reruns that footprint and the national briefing;
editing capital, which moves the pot's chance for everyone, rightly reruns them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from stpreport import __version__
from stpreport.analysis.deliverability import pot_chance
from stpreport.assumptions import Assumptions
from stpreport.fingerprint import (
    digest,
    figures_fingerprint,
    file_fingerprint,
    notebook_fingerprint,
)
from stpreport.inputs import Figures
from stpreport.paths import PACKAGE_DIR, project_file

NATIONAL = "national"
PACKAGE_SUFFIXES = {".py", ".j2", ".css", ".json"}


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


@lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """The package's code and templates (not its bundled figures, which are inputs)."""
    parts = [__version__.encode()]
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in PACKAGE_SUFFIXES and "_project" not in path.parts \
                and "__pycache__" not in path.parts:
            parts += [str(path.relative_to(PACKAGE_DIR)).encode(), path.read_bytes()]
    return digest(*parts)


def national_slice(figures: Figures, assumptions: Assumptions, code: str) -> dict[str, object]:
    """Every number from the other footprints that footprint `code`'s pack quotes or depends
    on, by name. Its fingerprint is the pack's "national_context" component, so a change
    elsewhere reruns this pack exactly when one of these numbers changes.

    Keep it in step with `briefing/footprint.py` (and `briefing/context.py`): a pack that starts
    quoting another national figure (a rank, an interval from the national Monte Carlo, a
    regional total) must add it here, or that pack goes stale silently when it changes.
    `tests/test_edition.py` checks that one footprint's allocation edit reruns that pack and the
    national briefing only.
    """
    allocations = figures.footprints.set_index("code")["nhs_allocation"].astype(float)
    return {
        # the capital section: "footprints ask for X against a pot of Y, so each unsecured
        # pound has a Z chance" (the pot itself is an assumption, fingerprinted with them)
        "pot_chance": pot_chance(figures.schemes, assumptions),
        "capital_requested": float(figures.schemes["capital_required"].sum()),
        # what must give: each lever's national value is shared by allocation
        "allocation_share": float(allocations[code] / allocations.sum()),
    }


def national_context(figures: Figures, assumptions: Assumptions, code: str) -> str:
    return digest(repr(sorted(national_slice(figures, assumptions, code).items())).encode())


def inputs_fingerprint(figures: Figures, params_path: Path) -> str:
    """Everything the summary tables and the analysis cache depend on."""
    return digest(figures_fingerprint(figures, None).encode(),
                  file_fingerprint(params_path).encode(), package_fingerprint().encode())


def plan_runs(figures: Figures, assumptions: Assumptions, *, figures_path: Path,
              params_path: Path,
              codes: list[str], include_national: bool, formats: tuple[str, ...],
              edition: str, build_date: str, previous: Path | None,
              previous_fingerprints: dict[str, str], notebooks: Path | None = None,
              analysis_cache: Path | None = None) -> list[Run]:
    shared = {
        "assumptions": file_fingerprint(params_path),
        "package": package_fingerprint(),
        "edition": digest(f"{edition}|{build_date}".encode()),
    }
    base = {"figures": str(figures_path), "params": str(params_path), "edition": edition,
            "build_date": build_date, "previous": str(previous) if previous else None,
            "analysis_cache": str(analysis_cache) if analysis_cache else None}
    runs = []
    folder = notebooks or project_file("notebooks")
    notebook = folder / "footprint.ipynb"
    notebook_print = notebook_fingerprint(notebook)
    for code in codes:
        components = shared | {"figures": figures_fingerprint(figures, code),
                               "national_context": national_context(figures, assumptions, code),
                               "notebook": notebook_print,
                               "previous": previous_fingerprints.get(code, "none")}
        runs.append(Run(code, notebook, base | {"footprint": code}, components,
                        _outputs(code, formats)))
    if include_national:
        notebook = folder / "national.ipynb"
        components = shared | {"figures": figures_fingerprint(figures, None),
                               "notebook": notebook_fingerprint(notebook),
                               "previous": previous_fingerprints.get(NATIONAL, "none")}
        runs.append(Run(NATIONAL, notebook, base, components, _outputs(NATIONAL, formats)))
    return runs


def _outputs(stem: str, formats: tuple[str, ...]) -> tuple[str, ...]:
    return (f"{stem}.ipynb", *(f"{stem}.{f}" for f in formats))


def reasons(run: Run, entry: dict | None, present: Callable[[str], bool], force: bool
            ) -> list[str]:
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
