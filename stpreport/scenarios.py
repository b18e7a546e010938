"""Scenarios: small overlays on the assumptions, built side by side.

A scenario file names the scenario and lists only the assumptions it changes, each a full
assumption node (`value`, `source`, and `label` where the assumption has one), keyed by its
dotted path in params:

    scenario:
      name: fyfv-even-funding            # a folder name: a-z, 0-9 and hyphens
      title: "Funding growing evenly, as the Five Year Forward View assumed"
      description: "..."
    changes:
      growth.funding:
        value: {"2017/18": 0.016, ...}
        label: "an even path to the Five Year Forward View's £8bn"
        source: "EVIDENCE.md, National money: ..."

The changes are applied to the base params and the result is checked exactly as params are
(every source, type and range), so a scenario can say nothing params could not. A key that is
not in params, or a change without a source, is refused with the file and the key.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from stpreport.assumptions import (
    Assumptions,
    assumptions_from_tree,
    default_assumptions_path,
    load_assumptions,
    load_yaml,
)
from stpreport.problems import InputError, Problem

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
RESERVED = {"base", "figures", "scenarios"}
"""Names a scenario may not take: the base edition and the edition's own files."""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    changes: tuple[tuple[str, str], ...]  # (dotted key, its source)
    assumptions: Assumptions
    location: str


def _node(tree: dict, dotted: str) -> tuple[dict, str] | None:
    """(the mapping that holds the last part of `dotted`, that part), or None."""
    parts = dotted.split(".")
    current: Any = tree
    for part in parts[:-1]:
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    if not isinstance(current, dict) or parts[-1] not in current:
        return None
    return current, parts[-1]


def load_scenario(path: Path | str, base: Path | str | None = None) -> Scenario:
    """The scenario at `path` applied to the params at `base` (default params/default.yaml),
    checked, or `InputError` listing every problem with the file and key."""
    path = Path(path)
    base = Path(base) if base else default_assumptions_path()
    label = path.name
    data = load_yaml(path, label)
    problems: list[Problem] = []
    if not isinstance(data, dict) or set(data) != {"scenario", "changes"}:
        raise InputError(
            [
                Problem(
                    label,
                    "must be a mapping with exactly two keys: scenario "
                    "(name, title, description) and changes",
                )
            ]
        )
    meta, changes = data["scenario"], data["changes"]
    if not isinstance(meta, dict):
        meta = {}
        problems.append(
            Problem(f"{label} key scenario", "must be a mapping of name, title and description")
        )
    name = meta.get("name")
    if not isinstance(name, str) or not NAME.match(name) or name in RESERVED:
        problems.append(
            Problem(
                f"{label} key scenario.name",
                "must be 1-40 lower-case letters, "
                "digits or hyphens, and not " + ", ".join(sorted(RESERVED)),
                value=str(name),
            )
        )
    for key in ("title", "description"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(Problem(f"{label} key scenario.{key}", "must be a non-empty text"))
    if not isinstance(changes, dict) or not changes:
        problems.append(
            Problem(
                f"{label} key changes",
                "must map at least one assumption (its dotted key) to its new value",
            )
        )
        raise InputError(problems)
    tree = copy.deepcopy(load_yaml(base, base.name))
    sources = []
    for key, node in changes.items():
        where = f"{label} key changes.{key}"
        target = _node(tree, str(key))
        if target is None:
            problems.append(Problem(where, "is not an assumption in " + base.name))
            continue
        if not isinstance(node, dict) or "value" not in node or "source" not in node:
            problems.append(
                Problem(
                    where,
                    "must be a mapping with 'value' and 'source' (and "
                    "'label' where the assumption has one)",
                )
            )
            continue
        holder, last = target
        if not isinstance(holder[last], dict) or "value" not in holder[last]:
            problems.append(
                Problem(where, "is a group of assumptions: change its members one by one")
            )
            continue
        unknown = set(node) - set(holder[last]) - {"value", "source"}
        if unknown:
            problems.append(
                Problem(
                    where,
                    "has keys the assumption does not: " + ", ".join(sorted(map(str, unknown))),
                )
            )
            continue
        holder[last] = {**holder[last], **node}
        sources.append((str(key), str(node["source"])))
    if problems:
        raise InputError(problems)
    assumptions = assumptions_from_tree(tree, label)
    return Scenario(
        name=name,
        title=meta["title"].strip(),
        description=meta["description"].strip(),
        changes=tuple(sources),
        assumptions=replace(assumptions, location=str(path)),
        location=str(path),
    )


def scenario_assumptions(params_path: str | Path, scenario: str | Path | None) -> Assumptions:
    """The assumptions at `params_path`, with the scenario's changes applied when given."""
    if not scenario:
        return load_assumptions(params_path)
    return load_scenario(scenario, params_path).assumptions


def load_scenarios(paths: list[Path], base: Path | str | None = None) -> list[Scenario]:
    """Every scenario, checked, with distinct names; every problem in every file at once."""
    scenarios, problems = [], []
    for path in paths:
        try:
            scenarios.append(load_scenario(path, base))
        except InputError as exc:
            problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            problems.append(
                Problem(
                    Path(s.location).name,
                    f"has the name {s.name!r}, as "
                    f"{Path(seen[s.name]).name} does: names must differ",
                )
            )
        seen[s.name] = s.location
    if problems:
        raise InputError(problems)
    return scenarios
