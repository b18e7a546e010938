"""A no-change rebuild answered from the manifest (`pipeline/settled.py`): only when every input
has the same bytes and every output is there; anything else goes the whole way."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import copy_figures

from stpreport.assumptions import default_assumptions_path
from stpreport.pipeline.edition import Edition
from stpreport.pipeline.options import BuildOptions
from stpreport.pipeline.runner import run_build
from stpreport.pipeline.settled import RECORD, settle, settled_build, unsettle

CODES = ["E54000008", "E54000041"]
KEYS = [*CODES, "national"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """An edition built from two footprints' figures: (out, figures)."""
    root = tmp_path_factory.mktemp("settled")
    figures = copy_figures(root / "figures", CODES)
    out = root / "out"
    result = run_build(BuildOptions(figures, out=out, edition="ed1", jobs=2), lambda *a: None)
    assert sorted(result.ran) == sorted(KEYS) and not result.failed
    return out, figures


@pytest.fixture
def copy(built, tmp_path) -> BuildOptions:
    """Options for a build of a copy of the built edition, from a copy of its figures (the
    copies' own paths, so the record must be made again: by a build the whole way)."""
    out, figures = tmp_path / "out", tmp_path / "figures"
    shutil.copytree(built[0], out, symlinks=True)
    shutil.copytree(built[1], figures)
    options = BuildOptions(figures, out=out, edition="ed1", jobs=2)
    assert settled_build(options) is None  # recorded for the other paths
    result = run_build(options, lambda *a: None)
    assert result.ran == [] and not result.failed
    return options


def manifest(options: BuildOptions) -> dict:
    return json.loads((options.out / "ed1" / "manifest.json").read_text())


def test_a_build_records_what_it_settled(built):
    out, figures = built
    record = json.loads((out / "ed1" / "manifest.json").read_text())[RECORD]
    assert record["runs"] == sorted(KEYS) and len(record["inputs"]) == 16
    result = settled_build(BuildOptions(figures, out=out, edition="ed1", jobs=2))
    assert result is not None
    assert result.ran == [] and sorted(result.skipped) == sorted(KEYS) and not result.failed


def test_the_command_line_answers_a_no_change_rebuild_without_reading_the_figures(built):
    """Nothing of the analysis is imported (pandas, SciPy, matplotlib), nothing is written,
    and it says what a whole build would say."""
    out, figures = built
    folder = out / "ed1"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    script = (
        "import sys\n"
        "from stpreport.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules))\n"
    )
    args = ["build", "--figures", str(figures), "--out", str(out), "--edition", "ed1"]
    said = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    ).stdout
    assert "0 built, 3 up to date, 0 failed" in said and said.rstrip().endswith("[]"), said
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    assert after == before


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def _link_in_place(path: Path) -> None:
    target = path.with_name(path.name + ".real")
    path.rename(target)
    path.symlink_to(target)


CHANGES = {
    "a byte of the figures": lambda o: _append(o.figures / "schemes.csv", "\n"),
    "a file beside the figures": lambda o: (o.figures / "notes.txt").write_text("x"),
    "a figures file made a link": lambda o: _link_in_place(o.figures / "sources.csv"),
    "a pack deleted": lambda o: (o.out / "ed1" / "E54000041.pdf").unlink(),
    "a pack made a link": lambda o: _link_in_place(o.out / "ed1" / "E54000041.html"),
    "the index deleted": lambda o: (o.out / "ed1" / "index.html").unlink(),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_change_to_an_input_or_an_output_goes_the_whole_way(copy, change):
    assert settled_build(copy) is not None
    CHANGES[change](copy)
    assert settled_build(copy) is None


def test_other_assumptions_options_or_records_go_the_whole_way(copy, tmp_path):
    assert settled_build(copy) is not None
    params = tmp_path / "params.yaml"
    params.write_bytes(default_assumptions_path().read_bytes() + b"\n# edited\n")
    for other in (
        {"params": params},
        {"formats": ("html",)},
        {"only": ["E54000008"]},
        {"force": True},
        {"notebooks": copy.figures.parent / "notebooks"},
        {"scenarios": (params,)},
        {"edition": "ed2"},
    ):
        assert settled_build(dataclasses.replace(copy, **other)) is None, other
    path = copy.out / "ed1" / "manifest.json"
    original = manifest(copy)
    for edit in (
        lambda m: m["runs"]["E54000041"].update(status="failed"),
        lambda m: m["runs"]["national"].update(good="0" * 16),
        lambda m: m[RECORD]["runs"].append("../../escape"),
        lambda m: m[RECORD].update(runs="E54000008"),
        lambda m: m.update(previous="ed0"),  # the edition it compares with, and so its inputs
        lambda m: m.pop(RECORD),
    ):
        edited = json.loads(json.dumps(original))
        edit(edited)
        path.write_text(json.dumps(edited))
        assert settled_build(copy) is None, edited.get(RECORD)
    path.write_text(json.dumps(original))
    assert settled_build(copy) is not None


class _Interrupted:
    """An executor cut short as Ctrl-C cuts a build short, before any briefing ends."""

    name = "local"

    def run(self, batch, most, on_result, meanwhile=lambda: None):
        raise KeyboardInterrupt


def test_a_build_removes_the_record_when_it_takes_the_edition_and_a_cut_short_one_leaves_none(
    copy,
):
    assert RECORD in manifest(copy)
    with pytest.raises(KeyboardInterrupt):
        run_build(dataclasses.replace(copy, force=True), lambda *a: None, _Interrupted())
    assert RECORD not in manifest(copy) and settled_build(copy) is None
    edition = Edition(copy.out, "ed1")
    with edition.locked():
        unsettle(edition, manifest(copy))  # nothing to remove: nothing written
    done = {"inputs": "0123456789abcdef"}
    settle(done, "fedcba9876543210", ["national"], {"E54000008": "a cell failed"})
    assert RECORD not in done  # something failed: nothing is settled
    settle(done, None, ["national"], {})
    assert RECORD not in done  # custom notebooks or scenarios: no record
    settle(done, "fedcba9876543210", ["national", "E54000008"], {})
    assert done[RECORD] == {"inputs": "fedcba9876543210", "runs": ["E54000008", "national"]}


def test_a_changed_input_is_built_and_settled_again(copy):
    """The whole way after a change, and the record made again for the new bytes."""
    before = manifest(copy)[RECORD]["inputs"]
    _append(copy.figures / "schemes.csv", "\n")
    assert settled_build(copy) is None
    result = run_build(copy, lambda *a: None)
    assert result.ran == [] and len(result.skipped) == 3  # the same figures, read
    after = manifest(copy)[RECORD]
    assert after["inputs"] != before and settled_build(copy) is not None
    assert os.stat(copy.out / "ed1" / "manifest.json").st_mode & 0o777 == 0o644


def test_the_digest_reads_a_workbook_or_a_folder_of_plain_files_and_nothing_else(tmp_path):
    from stpreport.pipeline.settled import inputs_digest

    workbook = tmp_path / "figures.xlsx"
    workbook.write_bytes(b"PK\x03\x04 a workbook")
    options = BuildOptions(workbook, out=tmp_path / "out", edition="ed1")
    first = inputs_digest(options)
    assert first and inputs_digest(options) == first  # a new edition, in a folder not yet made
    workbook.write_bytes(b"PK\x03\x04 a workbook, edited")
    assert inputs_digest(options) not in (None, first)
    _link_in_place(workbook)  # the path given is resolved, as the build resolves it
    real = dataclasses.replace(options, figures=workbook.with_name("figures.xlsx.real"))
    assert inputs_digest(options) == inputs_digest(real) != first
    folder = copy_figures(tmp_path / "figures", CODES)
    options = dataclasses.replace(options, figures=folder)
    assert inputs_digest(options)
    (folder / "old").mkdir()
    assert inputs_digest(options) is None
    (folder / "old").rmdir()
    (folder / "footprints.csv").chmod(0)
    if os.geteuid() != 0:  # root reads it anyway
        assert inputs_digest(options) is None
