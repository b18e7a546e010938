"""Load and check the assumptions file (params/default.yaml or a run profile).

Each assumption is `{value: ..., source: ...}`; the source must cite EVIDENCE.md or start with
"judgement". `load_assumptions` returns a typed `Assumptions` or raises `InputError` listing
every problem as `<file> key <dotted.path>: <value> <rule>`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from stpreport.paths import project_file
from stpreport.problems import InputError, Problem
from stpreport.schema import CATEGORIES, CLINICAL_SUPPORT, CONSULTATION, EVIDENCE, ORIGIN
from stpreport.schema import POLITICAL_SUPPORT as POLITICAL
from stpreport.strict_yaml import MAX_BYTES, Refused, load_strict

YEARS = ("2016/17", "2017/18", "2018/19", "2019/20", "2020/21")
"""Base year first, target year last."""


LEVER_KINDS = ("saving", "financing")
LEVER_SCALES = ("allocation", "population", "elective", "ae", "recovery_ae", "recovery_rtt")
MEASURES = ("share", "probability")


@dataclass(frozen=True)
class Lever:
    id: str
    label: str
    national_value: float
    harm: float  # harm points for every £100m released
    national_agreement: bool
    protected: bool
    source: str
    kind: str = "saving"  # LEVER_KINDS
    scale: str = "allocation"  # LEVER_SCALES
    divisible: bool = True


@dataclass(frozen=True)
class RatingBand:
    """A rating and its two tests; None (the last band) takes every footprint left."""

    rating: str
    max_gap_share: float | None
    min_coverage: float | None


@dataclass(frozen=True)
class Sensitivity:
    """One assumption varied across its documented range, for the tornado chart."""

    key: str
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Assumptions:
    as_at: dt.date
    confidence: float
    large_difference: float
    funding_growth: dict[str, float]
    demand_growth: float
    cost_growth: float
    social_care_funding_growth: float
    social_care_demand_growth: float
    funding_label: str
    spread_demand: float
    spread_cost: float
    spread_funding: float
    spread_local_demand: float
    include_recovery: bool
    recovery_cost: float
    ae_share: float
    base_rate: dict[str, float]
    measure: dict[str, str]
    apple_threshold: float
    national_capital_pot: float
    political_support: dict[str, float]
    consultation_factor: dict[str, float]
    consultation_lead_months: dict[str, float]
    implementation_months: float
    late_factor: float
    clinical_support: dict[str, float]
    evidence: dict[str, float]
    origin: dict[str, float]
    draws: int
    seed: int
    concentration: float
    correlation: float
    ratings: tuple[RatingBand, ...]
    sensitivity: tuple[Sensitivity, ...]
    contract_years: int
    national_allocation: float
    national_population: float
    levers: tuple[Lever, ...]
    sources: dict[str, str]
    location: str

    @property
    def all_or_nothing(self) -> tuple[str, ...]:
        """Categories whose base rate is a probability: such schemes deliver all or nothing."""
        return tuple(c for c, m in self.measure.items() if m == "probability")


SENSITIVITY_KEYS = {
    "growth.demand",
    "growth.cost",
    "growth.funding",
    "deliverability.national_capital_pot",
    "standards.recovery_cost",
    "deliverability.origin.balancing",
    *(f"deliverability.base_rate.{c}" for c in CATEGORIES),
}
"""Assumptions a sensitivity may vary (`analysis.sensitivity.vary` knows how to set each)."""


def default_assumptions_path() -> Path:
    return project_file("params", "default.yaml")


class _Reader:
    """Walks the YAML tree, collecting problems instead of stopping at the first.

    Every method takes the dotted key path it reports problems under, and returns a usable
    stand-in (NaN, "", False, {}) after a problem, so the walk goes on and lists them all.
    """

    def __init__(self, data: Any, label: str):
        self.data = data
        self.label = label
        self.problems: list[Problem] = []
        self.sources: dict[str, str] = {}

    def fail(self, path: str, rule: str, value: Any = None) -> None:
        if value is _MISSING:  # `entry` has already said that it is missing
            return
        shown = None if value is None else _shown(value)
        self.problems.append(Problem(f"{self.label} key {path}", rule, value=shown))

    def node(self, path: str) -> Any:
        current = self.data
        for part in path.split("."):
            if not isinstance(current, dict) or part not in current:
                return _MISSING
            current = current[part]
        return current

    def entry(self, path: str, node: Any = None) -> Any:
        """The value of an assumption at `path`, after checking its source."""
        node = self.node(path) if node is None else node
        if node is _MISSING:
            self.problems.append(Problem(f"{self.label} key {path}", "is missing"))
            return _MISSING
        if not isinstance(node, dict) or "value" not in node:
            self.fail(path, "must be a mapping with 'value' and 'source'")
            return _MISSING
        source = node.get("source")
        if not isinstance(source, str) or not (
            "EVIDENCE.md" in source or source.strip().lower().startswith("judgement")
        ):
            self.fail(
                path, "needs a source that cites EVIDENCE.md or starts with 'judgement'", source
            )
        else:
            self.sources[path] = source
        return node["value"]

    def number(
        self, path: str, lo: float, hi: float, node: Any = None, integer: bool = False
    ) -> float:
        """A finite number between `lo` and `hi` (a whole one if `integer`), or NaN."""
        return self.check_number(path, self.entry(path, node), lo, hi, integer)

    def check_number(
        self, path: str, value: Any, lo: float, hi: float, integer: bool = False
    ) -> float:
        """`value` (not an entry: no source) as a checked number, or NaN after a problem."""
        if value is _MISSING:
            return float("nan")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, "must be a number", value)
            return float("nan")
        if not math.isfinite(value):
            self.fail(path, "must be a finite number", value)
            return float("nan")
        if integer and not float(value).is_integer():
            self.fail(path, "must be a whole number", value)
            return float("nan")
        if not lo <= value <= hi:
            self.fail(path, f"must be between {lo:g} and {hi:g}", value)
            return float("nan")
        return int(value) if integer else float(value)

    def factors(
        self, path: str, keys: tuple[str, ...], lo: float = 0.0, hi: float = 1.0
    ) -> dict[str, float]:
        """One number in [lo, hi] for each of `keys` under `path`."""
        found = self.node(path)
        if found is not _MISSING and not isinstance(found, dict):
            self.fail(path, "must be a mapping of " + ", ".join(keys))
            return dict.fromkeys(keys, float("nan"))
        return {k: self.number(f"{path}.{k}", lo, hi) for k in keys}

    def text(self, path: str, value: Any) -> str:
        """`value` as non-empty text without control characters, or "" after a problem."""
        if value is _MISSING:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be a non-empty text", value)
            return ""
        if _CONTROL.search(value):
            self.fail(path, "contains a control character", value)
            return ""
        return value

    def flag(self, path: str, value: Any) -> bool:
        """`value` as true or false (only those two words), or False after a problem."""
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self.fail(path, "must be true or false", value)
            return False
        return value

    def choices(self, path: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
        """`value` as a list of distinct words from `allowed`, or () after a problem."""
        if value is _MISSING:
            return ()
        if (
            not isinstance(value, list)
            or not all(isinstance(v, str) for v in value)
            or len(set(value)) != len(value)
            or not set(value) <= set(allowed)
        ):
            self.fail(path, "must be a list of distinct words from " + ", ".join(allowed), value)
            return ()
        return tuple(value)

    def mapping(self, path: str, value: Any) -> dict:
        """`value` if it is a mapping, or {} after a problem."""
        if value is _MISSING:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping", value)
            return {}
        return value


def _shown(value: Any) -> str:
    """A YAML value as a problem line shows it: numbers and text as written, others as YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, ".nan")
    if isinstance(value, int | float | str):
        return str(value)
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Missing:
    """Stands for a key that is not in the file."""

    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()


def _read_levers(r: _Reader) -> tuple[Lever, ...]:
    raw = r.node("reprioritisation.levers")
    if not isinstance(raw, list) or not raw:
        r.fail("reprioritisation.levers", "must be a non-empty list of levers")
        return ()
    levers, seen = [], set()
    for i, item in enumerate(raw):
        path = f"reprioritisation.levers[{i}]"
        if not isinstance(item, dict):
            r.fail(path, "must be a mapping")
            continue
        lever_id = item.get("id")
        if not isinstance(lever_id, str) or not lever_id or lever_id in seen:
            r.fail(f"{path}.id", "must be a unique non-empty text", lever_id)
        if isinstance(lever_id, str):  # a list or mapping here cannot go in a set
            seen.add(lever_id)
        for flag in ("national_agreement", "protected", "divisible"):
            if not isinstance(item.get(flag), bool):
                r.fail(f"{path}.{flag}", "must be true or false", item.get(flag))
        label = item.get("label")
        if not isinstance(label, str) or not label:
            r.fail(f"{path}.label", "must be a non-empty text", label)
        kind, scale = item.get("kind"), item.get("scale")
        if kind not in LEVER_KINDS:
            r.fail(f"{path}.kind", "must be one of " + ", ".join(LEVER_KINDS), kind)
        if scale not in LEVER_SCALES:
            r.fail(f"{path}.scale", "must be one of " + ", ".join(LEVER_SCALES), scale)
        value = r.number(f"{path}.national_value", 0, 1e6, item.get("national_value", _MISSING))
        harm = r.number(f"{path}.harm", 0, 10, item.get("harm", _MISSING))
        source = r.sources.get(f"{path}.national_value", "")
        levers.append(
            Lever(
                str(lever_id),
                str(label),
                value,
                harm,
                bool(item.get("national_agreement")),
                bool(item.get("protected")),
                source,
                str(kind),
                str(scale),
                bool(item.get("divisible")),
            )
        )
    return tuple(levers)


def _threshold(value: Any, lo: float, hi: float) -> float | _Missing | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        return _MISSING
    return float(value)


def _read_ratings(r: _Reader) -> tuple[RatingBand, ...]:
    bands = r.entry("ratings")
    if bands is _MISSING:
        return ()
    if (
        not isinstance(bands, list)
        or len(bands) < 2
        or not all(isinstance(b, dict) and isinstance(b.get("rating"), str) for b in bands)
    ):
        r.fail("ratings", "must be a list of at least two {rating, max_gap_share, min_coverage}")
        return ()
    result = []
    for i, b in enumerate(bands):
        share = _threshold(b.get("max_gap_share"), -1.0, 1.0)
        coverage = _threshold(b.get("min_coverage"), 0.0, 1.0)
        if share is _MISSING or coverage is _MISSING:
            r.fail(
                f"ratings[{i}]",
                "max_gap_share must be a share between -1 and 1 and "
                "min_coverage between 0 and 1 (or null)",
                b,
            )
            continue
        result.append(RatingBand(b["rating"], share, coverage))  # type: ignore[arg-type]
    if len(result) == len(bands):
        last, rest = result[-1], result[:-1]
        if (
            last.max_gap_share is not None
            or last.min_coverage is not None
            or any(band.max_gap_share is None or band.min_coverage is None for band in rest)
        ):
            r.fail("ratings", "every band but the last needs both tests; the last band none")
        elif [b.max_gap_share for b in rest] != sorted(b.max_gap_share for b in rest) or [
            b.min_coverage for b in rest
        ] != sorted((b.min_coverage for b in rest), reverse=True):
            r.fail(
                "ratings", "bands must loosen in order: max_gap_share rising, min_coverage falling"
            )
    return tuple(result)


def _read_sensitivity(r: _Reader, known: set[str]) -> tuple[Sensitivity, ...]:
    items = r.entry("sensitivity")
    if items is _MISSING:
        return ()
    if not isinstance(items, list) or not items:
        r.fail("sensitivity", "must be a non-empty list of {key, low, high, label}")
        return ()
    result = []
    for i, item in enumerate(items):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("key"), str)
            and item["key"] in known
            and isinstance(item.get("label"), str)
            and all(
                not isinstance(item.get(k), bool)
                and isinstance(item.get(k), int | float)
                and math.isfinite(item[k])
                for k in ("low", "high")
            )
        )
        if not ok or item["low"] > item["high"]:
            r.fail(
                f"sensitivity[{i}]",
                "must be {key, low, high, label} with key one of "
                + ", ".join(sorted(known))
                + " and low <= high",
                item,
            )
            continue
        result.append(
            Sensitivity(item["key"], float(item["low"]), float(item["high"]), item["label"])
        )
    return tuple(result)


def _read(r: _Reader) -> Assumptions:
    as_at = r.entry("analysis.as_at")
    try:
        as_at_date = dt.date.fromisoformat(str(as_at))
    except ValueError:
        r.fail("analysis.as_at", "must be a date YYYY-MM-DD", as_at)
        as_at_date = dt.date(2017, 4, 1)
    funding = r.entry("growth.funding")
    funding_growth: dict[str, float] = {}
    if not isinstance(funding, dict) or sorted(funding) != list(YEARS[1:]):
        r.fail("growth.funding", "must give growth for each of " + ", ".join(YEARS[1:]))
    else:
        for year, value in funding.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not -0.2 <= value <= 0.2
            ):
                r.fail(f"growth.funding.{year}", "must be a rate between -0.2 and 0.2", value)
            else:
                funding_growth[year] = float(value)
    measure = r.entry("deliverability.measure")
    if (
        not isinstance(measure, dict)
        or sorted(map(str, measure)) != sorted(CATEGORIES)
        or not all(isinstance(v, str) and v in MEASURES for v in measure.values())
    ):
        r.fail(
            "deliverability.measure",
            "must give, for each scheme category, one of " + ", ".join(MEASURES),
        )
        measure = {}
    funding_node = r.node("growth.funding")
    label = funding_node.get("label") if isinstance(funding_node, dict) else None
    if not isinstance(label, str) or not label.strip():
        r.fail("growth.funding.label", "must name the funding path in words")
        label = ""
    include = r.entry("standards.include_recovery")
    if not isinstance(include, bool):
        r.fail("standards.include_recovery", "must be true or false", include)
        include = False
    d = "deliverability"
    return Assumptions(
        as_at=as_at_date,
        confidence=r.number("analysis.confidence", 0.5, 0.99),
        large_difference=r.number("analysis.large_difference", 0, 10),
        funding_growth=funding_growth,
        demand_growth=r.number("growth.demand", -0.2, 0.2),
        cost_growth=r.number("growth.cost", -0.2, 0.2),
        social_care_funding_growth=r.number("growth.social_care_funding", -0.2, 0.2),
        social_care_demand_growth=r.number("growth.social_care_demand", -0.2, 0.2),
        funding_label=label,
        spread_demand=r.number("growth.spread.demand", 0, 0.05),
        spread_cost=r.number("growth.spread.cost", 0, 0.05),
        spread_funding=r.number("growth.spread.funding", 0, 0.05),
        spread_local_demand=r.number("growth.spread.local_demand", 0, 0.05),
        include_recovery=include,
        recovery_cost=r.number("standards.recovery_cost", 0, 1e5),
        ae_share=r.number("standards.ae_share", 0, 1),
        base_rate=r.factors(f"{d}.base_rate", CATEGORIES),
        measure=measure,
        apple_threshold=r.number(f"{d}.apple_threshold", 0, 1),
        national_capital_pot=r.number(f"{d}.national_capital_pot", 0, 1e6),
        political_support=r.factors(f"{d}.political_support", POLITICAL),
        consultation_factor=r.factors(f"{d}.consultation.factor", CONSULTATION),
        consultation_lead_months=r.factors(
            f"{d}.consultation.lead_time_months", CONSULTATION, 0, 120
        ),
        implementation_months=r.number(f"{d}.consultation.implementation_months", 0, 120),
        late_factor=r.number(f"{d}.consultation.late_factor", 0, 1),
        clinical_support=r.factors(f"{d}.clinical_support", CLINICAL_SUPPORT, 0.05, 20),
        evidence=r.factors(f"{d}.evidence", EVIDENCE, 0.05, 20),
        origin=r.factors(f"{d}.origin", ORIGIN),
        draws=r.number("monte_carlo.draws", 100, 1_000_000, integer=True),
        seed=r.number("monte_carlo.seed", 0, 2**32 - 1, integer=True),
        concentration=r.number("monte_carlo.concentration", 0.1, 1000),
        correlation=r.number("monte_carlo.correlation", 0, 0.99),
        ratings=_read_ratings(r),
        sensitivity=_read_sensitivity(r, SENSITIVITY_KEYS),
        contract_years=r.number("contracts.years", 1, 10, integer=True),
        national_allocation=r.number("national_totals.allocation", 1, 1e7),
        national_population=r.number("national_totals.population", 1, 1e10),
        levers=_read_levers(r),
        sources=r.sources,
        location="",
    )


def load_assumptions(path: Path | str | None = None) -> Assumptions:
    """The checked assumptions at `path` (default params/default.yaml), or `InputError`."""
    path = Path(path) if path else default_assumptions_path()
    label = path.name
    data = load_yaml(path, label)
    if not isinstance(data, dict):
        raise InputError([Problem(label, "must be a YAML mapping of assumptions")])
    return replace(assumptions_from_tree(data, label), location=str(path))


def assumptions_from_tree(data: dict, label: str) -> Assumptions:
    """The checked assumptions from a tree read from YAML (a params file, or a params file with
    a scenario's changes applied), or `InputError` naming `label` and each key path."""
    reader = _Reader(data, label)
    assumptions = _read(reader)
    if reader.problems:
        raise InputError(reader.problems)
    return assumptions


def load_yaml(path: Path, label: str) -> Any:
    """The file's YAML, read strictly (`strict_yaml`), or `InputError` naming the file."""
    if not path.exists():
        raise InputError([Problem(str(path), "does not exist")])
    if path.is_dir():
        raise InputError(
            [Problem(str(path), "is a folder; give the assumptions file (.yaml) itself")]
        )
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot be read ({exc.strerror or exc})")]) from None
    if len(data) > MAX_BYTES:
        raise InputError(
            [
                Problem(
                    label,
                    f"is larger than {MAX_BYTES:,} bytes; an assumptions "
                    "file is a few kilobytes (is this the right file?)",
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(label, "is not UTF-8 text", line)]) from None
    try:
        return load_strict(text)
    except Refused as exc:
        mark = exc.problem_mark
        raise InputError(
            [Problem(label, str(exc.problem), mark.line + 1 if mark is not None else None)]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise InputError(
            [Problem(label, f"is not valid YAML ({getattr(exc, 'problem', exc)})", row)]
        ) from None
