"""Fingerprints: a short hash of exactly what a briefing depends on."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from stpreport.inputs import Figures


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.17g").encode("utf-8")


def figures_slice(figures: Figures, code: str | None) -> dict[str, pd.DataFrame]:
    """The rows of each table that a footprint's briefing reads (all rows when code is None)."""
    if code is None:
        return {n: getattr(figures, n) for n in ("footprints", "schemes", "contracts", "sources")}
    schemes = figures.schemes[figures.schemes["footprint"] == code]
    keys = {code, "*", *schemes["scheme_id"]} | {
        f"{code}/{a}"
        for a in figures.contracts.loc[figures.contracts["footprint"] == code, "activity"]
    }
    return {
        "footprints": figures.footprints[figures.footprints["code"] == code],
        "schemes": schemes,
        "contracts": figures.contracts[figures.contracts["footprint"] == code],
        "sources": figures.sources[figures.sources["key"].isin(keys)],
    }


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:16]


def figures_fingerprint(figures: Figures, code: str | None = None) -> str:
    return digest(*(_frame_bytes(f) for f in figures_slice(figures, code).values()))


def file_fingerprint(path: Path) -> str:
    return digest(Path(path).read_bytes())


def assumptions_fingerprint(params_path: Path, scenario: Path | None = None) -> str:
    """The assumptions: the params file, and the scenario file applied to it if any."""
    params = file_fingerprint(Path(params_path))
    if not scenario:
        return params
    return digest(params.encode(), file_fingerprint(Path(scenario)).encode())


def notebook_fingerprint(path: Path) -> str:
    """The notebook's cell sources and types only: outputs and metadata do not count."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [
        [
            c["cell_type"],
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
            c.get("metadata", {}).get("tags", []),
        ]
        for c in notebook["cells"]
    ]
    return digest(json.dumps(cells, sort_keys=True).encode("utf-8"))
