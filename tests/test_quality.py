"""Repository hygiene: ruff clean, notebooks committed without outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    command = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    result = subprocess.run([*command, "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_clean_with_a_parameters_cell(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


def test_input_format_doc_is_generated_from_the_schema():
    from click.testing import CliRunner

    from stpreport.cli import main

    printed = CliRunner().invoke(main, ["schema"]).output
    doc = (ROOT / "docs" / "input-format.md").read_text(encoding="utf-8")
    assert doc.endswith(printed), "regenerate docs/input-format.md with stpreport schema"


def test_method_doc_quotes_the_bundled_figures_as_they_are():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from method_figures import method_lines
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    doc = (ROOT / "docs" / "method.md").read_text(encoding="utf-8")
    quoted = doc.split("<!-- method_figures -->\n", 1)[1].split("<!-- /method_figures -->")[0]
    assert quoted.strip() == "\n".join(method_lines()).strip(), (
        "update docs/method.md from python scripts/method_figures.py"
    )
