"""The input format: one schema for loading, validation, the Excel template and the docs.

Every table the figures hold is described here once. `inputs` reads and checks against it,
`template` writes workbooks from it and `stpreport schema` prints it as the format reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["code", "text", "int", "money", "fraction", "percent", "enum"]

CATEGORIES = (
    "provider_efficiency",
    "demand_management",
    "service_reconfiguration",
    "prescribing",
    "back_office_estates",
    "workforce",
    "other",
)
CATEGORY_LABELS = {
    "provider_efficiency": "Provider efficiency",
    "demand_management": "Demand management / out of hospital",
    "service_reconfiguration": "Service reconfiguration",
    "prescribing": "Prescribing",
    "back_office_estates": "Back office and estates",
    "workforce": "Workforce",
    "other": "Other",
}
CATEGORY_SHORT = {
    "provider_efficiency": "Efficiency",
    "demand_management": "Demand mgmt",
    "service_reconfiguration": "Reconfig.",
    "prescribing": "Prescribing",
    "back_office_estates": "Back office",
    "workforce": "Workforce",
    "other": "Other",
}
CONSULTATION = ("not_needed", "not_started", "under_way", "completed")
POLITICAL_SUPPORT = ("supported", "contested", "opposed")
CLINICAL_SUPPORT = ("strong", "mixed", "weak")
EVIDENCE = ("strong", "mixed", "weak", "none")
ORIGIN = ("bottom_up", "balancing")
ACTIVITIES = ("elective", "non_elective", "outpatients", "ae")
ACTIVITY_LABELS = {
    "elective": "Elective inpatients",
    "non_elective": "Non-elective inpatients",
    "outpatients": "Outpatients",
    "ae": "A&E attendances",
}
SOURCE_STATUS = ("published", "illustrative", "supplied")
CONFIDENCE = ("High", "Med-High", "Med", "Med-Low", "Low-Med", "Low")
TABLE_NAMES = ("footprints", "schemes", "contracts", "sources")

MAX_ROWS = 100_000
"""Most rows any file or sheet may hold; a larger one is refused while it is being counted,
before it is parsed. Each table has a lower limit of its own (`Table.max_rows`)."""

MAX_FILE_BYTES = 100_000_000
"""Largest CSV file or workbook on disk (bytes). 100,000 ordinary rows take about 20 MB, a
million short ones about 77 MB (refused by their row count)."""

MAX_UNPACKED_BYTES = 200_000_000
"""Largest total size of a workbook's parts once unzipped (bytes): a zip bomb is refused from
the zip directory before anything is inflated. `zipfile` never inflates a part beyond the size
the directory gives it (a part that lies fails its CRC check), so the directory can be trusted
for this."""

MAX_CELLS = 3_000_000
"""Most cells a workbook may hold; openpyxl keeps each cell as an object in memory."""

MAX_SCHEMES_PER_FOOTPRINT = 200
"""The bundled plans have 8 to 25 schemes each. The Monte Carlo holds draws x schemes numbers
for a footprint at once (10,000 x 20,000 schemes needed 1.6 GB an array and ended in
MemoryError), so a footprint's schemes are capped well above any real plan."""

RESERVED_CODES = ("national", "index", "summary", "manifest", "figures", "scenarios")
"""Names the edition folder uses for its own files: a footprint with one of these codes, in any
case, would overwrite them."""

WINDOWS_DEVICE_NAMES = (
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
)
"""File names Windows reserves: an edition copied to a Windows share could not hold them."""

MONEY_LIMIT = 1_000_000.0
"""£m. Nothing in one footprint's plan comes near £1tn; a larger value is a typing error."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    unit: str
    meaning: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: float | None = None

    def rule_text(self) -> str:
        """The column's rule in words, for the template and the docs."""
        parts = ["required" if self.required else "optional"]
        if self.allowed:
            parts.append("one of " + ", ".join(self.allowed))
        if self.minimum is not None:
            parts.append(f">= {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"<= {self.maximum:g}")
        if self.default is not None:
            parts.append(f"blank means {self.default:g}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    footprint_column: str | None = None
    figure_columns: tuple[str, ...] = field(default=())
    max_rows: int = MAX_ROWS

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _money(name: str, meaning: str, *, required: bool = True, minimum: float = 0.0) -> Column:
    return Column(name, "money", "£m", meaning, required, minimum=minimum, maximum=MONEY_LIMIT)


def _share(name: str, year: str) -> Column:
    return Column(
        name,
        "fraction",
        "share 0-1",
        f"Share of the recurrent saving delivered by the end of {year} (cumulative; blank "
        "means a straight line to 2020/21).",
        required=False,
        minimum=0.0,
        maximum=1.0,
    )


FOOTPRINTS = Table(
    name="footprints",
    meaning="One row per footprint (STP area): who it is and its money in the base year 2016/17. "
    "At most 5,000 rows (trusts, places or practices, not only the 44 footprints); a code may "
    "not be national, index, summary, manifest, figures or scenarios.",
    key=("code",),
    max_rows=5_000,
    columns=(
        Column("code", "code", "ONS code", "Footprint code, e.g. E54000008.", minimum=None),
        Column("name", "text", "", "Footprint name."),
        Column("region", "text", "", "NHS England region (2017)."),
        Column("population", "int", "persons", "Resident population.", minimum=1, maximum=2e7),
        _money("nhs_allocation", "NHS funding allocated in the base year 2016/17."),
        _money("nhs_spend", "Underlying NHS spend in the base year 2016/17."),
        _money("social_care_funding", "Adult social care funding, 2016/17.", required=False),
        _money("social_care_spend", "Adult social care spend, 2016/17.", required=False),
        _money("stated_gap_nhs", "The plan's stated 'do nothing' NHS gap for 2020/21."),
        _money(
            "stated_gap_social_care",
            "The plan's stated 'do nothing' social care gap for 2020/21.",
            required=False,
        ),
    ),
    figure_columns=(
        "name",
        "region",
        "population",
        "nhs_allocation",
        "nhs_spend",
        "social_care_funding",
        "social_care_spend",
        "stated_gap_nhs",
        "stated_gap_social_care",
    ),
)

SCHEMES = Table(
    name="schemes",
    meaning="One row per savings scheme in a footprint's plan. At most 100,000 rows, and at "
    "most 200 schemes a footprint (each footprint's Monte Carlo is sized by its schemes).",
    key=("scheme_id",),
    max_rows=100_000,
    footprint_column="footprint",
    columns=(
        Column("footprint", "code", "ONS code", "Code of the footprint whose plan holds it."),
        Column("scheme_id", "code", "", "Unique scheme identifier."),
        Column("name", "text", "", "Scheme name as the plan gives it."),
        Column("category", "enum", "", "Kind of saving.", allowed=CATEGORIES),
        _money("planned_saving", "Planned recurrent saving by 2020/21."),
        _share("share_2017_18", "2017/18"),
        _share("share_2018_19", "2018/19"),
        _share("share_2019_20", "2019/20"),
        _money("capital_required", "Capital the scheme needs."),
        _money("capital_secured", "Capital already secured (at most capital_required)."),
        Column(
            "consultation",
            "enum",
            "",
            "Public consultation needed, and its status.",
            allowed=CONSULTATION,
        ),
        Column(
            "political_support", "enum", "", "Local political support.", allowed=POLITICAL_SUPPORT
        ),
        Column("clinical_support", "enum", "", "Clinical support.", allowed=CLINICAL_SUPPORT),
        Column(
            "evidence", "enum", "", "Strength of evidence that it saves money.", allowed=EVIDENCE
        ),
        Column(
            "origin",
            "enum",
            "",
            "bottom_up: built from a costed plan; balancing: added to make the plan balance.",
            allowed=ORIGIN,
        ),
    ),
    figure_columns=(
        "name",
        "category",
        "planned_saving",
        "share_2017_18",
        "share_2018_19",
        "share_2019_20",
        "capital_required",
        "capital_secured",
        "consultation",
        "political_support",
        "clinical_support",
        "evidence",
        "origin",
    ),
)

CONTRACTS = Table(
    name="contracts",
    meaning="Activity growth the plan assumes against what the 2017-19 contracts buy. At most "
    "20,000 rows.",
    key=("footprint", "activity"),
    max_rows=20_000,
    footprint_column="footprint",
    columns=(
        Column("footprint", "code", "ONS code", "Code of the footprint."),
        Column("activity", "enum", "", "Activity line.", allowed=ACTIVITIES),
        _money("baseline_value", "Value of the activity line in 2016/17."),
        Column(
            "plan_growth",
            "percent",
            "% a year",
            "Growth a year the plan assumes.",
            minimum=-50.0,
            maximum=50.0,
        ),
        Column(
            "contract_growth",
            "percent",
            "% a year",
            "Growth a year the contracts buy.",
            minimum=-50.0,
            maximum=50.0,
        ),
    ),
    figure_columns=("baseline_value", "plan_growth", "contract_growth"),
)

SOURCES = Table(
    name="sources",
    meaning="Where each figure comes from. key is a row's key (footprint code, scheme id, or "
    "footprint/activity) or * for every row; a figure no line covers counts as 'supplied'.",
    key=("table", "key", "column"),
    required=False,
    columns=(
        Column("table", "enum", "", "Table the figure is in.", allowed=TABLE_NAMES[:3]),
        Column("key", "text", "", "Row key, or * for every row of the table."),
        Column("column", "text", "", "Column of the figure."),
        Column(
            "status",
            "enum",
            "",
            "published: from a public source; illustrative: "
            "invented for the bundled data set; supplied: given by the footprint.",
            allowed=SOURCE_STATUS,
        ),
        Column("source", "text", "", "The source, precise enough for a reader to check."),
        Column(
            "confidence",
            "enum",
            "",
            "Confidence in the source (EVIDENCE.md scale).",
            required=False,
            allowed=CONFIDENCE,
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (FOOTPRINTS, SCHEMES, CONTRACTS, SOURCES)}


def row_key(table: Table, row: dict[str, object]) -> str:
    """The text key a `sources` line uses for one row of a table."""
    return "/".join(str(row[k]) for k in table.key)
