"""The edition folder: one owner, only briefings in it, never a way in.

Planted pickles and links, file modes, leftovers, the folder's reserved contents, edition
names, figures that do not match the edition, the previous edition by manifest order, kill -9
of the main process racing a later build, and each pack's slice of the national figures.
Every refusal asserts its exact one-line message and that the edition is unchanged."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import copy_figures, read_rows, snapshot, write_rows

from stpreport.cli import main
from stpreport.errors import EditionRefused
from stpreport.pipeline.edition import Edition, check_name
from stpreport.pipeline.runner import BuildOptions, prepare, run_build
from stpreport.problems import show_value

CODES = ["E54000008", "E54000031"]
PUBLISHED = {
    "E54000008.html",
    "E54000008.ipynb",
    "E54000031.html",
    "E54000031.ipynb",
    "national.html",
    "national.ipynb",
    "summary.csv",
    "summary.xlsx",
    "index.html",
    "manifest.json",
    "figures",
}


def build_cli(out: Path, figures: Path, *extra: str):
    return CliRunner().invoke(
        main,
        [
            "build",
            "--figures",
            str(figures),
            "--out",
            str(out),
            "--format",
            "html",
            "--jobs",
            "2",
            *extra,
        ],
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return copy_figures(tmp_path_factory.mktemp("fig") / "figures", CODES)


@pytest.fixture(scope="module")
def built(tmp_path_factory, small) -> Path:
    """One edition, ed1, built with a umask that would make files private."""
    out = tmp_path_factory.mktemp("out")
    old = os.umask(0o077)
    try:
        result = run_build(
            BuildOptions(figures=small, out=out, edition="ed1", jobs=2, formats=("html",)),
            lambda *a: None,
        )
    finally:
        os.umask(old)
    assert not result.failed
    return out


@pytest.fixture
def out(tmp_path, built) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def test_an_edition_holds_only_briefings_summaries_manifest_index_and_figures(built):
    folder = built / "ed1"
    assert set(os.listdir(folder)) == PUBLISHED
    assert sorted(os.listdir(folder / "figures")) == [
        "contracts.csv",
        "footprints.csv",
        "schemes.csv",
        "sources.csv",
    ]


def test_published_files_are_0644_whatever_the_umask(built):
    for path in [built / "ed1", *(built / "ed1").rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_no_local_path_is_published(built, small):
    """Briefings, executed notebooks, manifest and summaries name the figures and assumptions
    relative to the project, or by file name: never where they sit on this machine."""
    from stpreport.paths import project_root
    from stpreport.pipeline.cache import cache_dir

    local = [str(built), str(small), str(project_root().resolve()), str(cache_dir()), "/tmp/"]
    for path in (built / "ed1").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".json", ".csv"):
            text = path.read_text(encoding="utf-8")
            assert not [p for p in local if p in text], path
    html = (built / "ed1" / "E54000008.html").read_text(encoding="utf-8")
    assert "params/default.yaml" in html  # the method section and provenance name it so


def test_a_planted_pickle_and_leftovers_are_removed_unread(out, small, tmp_path):
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {sentinel}",))

    folder = out / "ed1"
    (folder / ".analysis-0123456789abcdef.pkl").write_bytes(pickle.dumps(Evil()))
    (folder / ".E54000008.html.0badcafe.tmp").write_text("half a page")
    (folder / ".build.lock").write_text("12345")
    result = build_cli(out, small, "--edition", "ed1", "--force")
    assert result.exit_code == 0, result.output
    assert not sentinel.exists()
    assert set(os.listdir(folder)) == PUBLISHED


def refused(out: Path, small: Path, message: str, *extra: str, edition: str = "ed1") -> None:
    before = snapshot(out)
    result = build_cli(out, small, "--edition", edition, *extra)
    assert result.exit_code == 1, result.output
    assert result.output == message + "\n"
    assert "Traceback" not in result.output
    assert snapshot(out) == before


def link_message(path: Path) -> str:
    return (
        f"{path} is a symbolic link or not a plain file: an edition holds only what "
        "stpreport writes, and it never writes through a link; remove it and build again"
    )


def test_a_figures_link_is_refused_and_what_it_points_to_untouched(out, small, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "schemes.csv").write_text("precious")
    shutil.rmtree(out / "ed1" / "figures")
    (out / "ed1" / "figures").symlink_to(outside)
    refused(out, small, link_message(out.resolve() / "ed1" / "figures"), "--force")
    assert os.listdir(outside) == ["schemes.csv"]
    assert (outside / "schemes.csv").read_text() == "precious"


@pytest.mark.parametrize("name", [".build.lock", "E54000008.html", "manifest.json"])
def test_a_planted_link_is_refused_and_its_target_untouched(out, small, tmp_path, name):
    target = tmp_path / "precious.txt"
    target.write_text("precious")
    (out / "ed1" / name).unlink(missing_ok=True)
    (out / "ed1" / name).symlink_to(target)
    refused(out, small, link_message(out.resolve() / "ed1" / name), "--force")
    assert target.read_text() == "precious"


def test_an_edition_folder_that_is_a_link_is_refused(out, small, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "ed2").symlink_to(elsewhere)
    refused(out, small, link_message(out.resolve() / "ed2"), edition="ed2")
    assert os.listdir(elsewhere) == []


@pytest.mark.parametrize("name", ["..", ".hidden", "a/b", "bell\x07", "x" * 65, "-dash", "é"])
def test_unsafe_edition_names_are_refused(out, small, name):
    refused(
        out,
        small,
        f"edition name {show_value(name)} is not allowed: use 1 to 64 letters, "
        "digits, '.', '_' or '-', starting with a letter or digit",
        edition=name,
    )


def test_safe_edition_names():
    for name in ("2017-04-01", "ed1", "v1.2_final", "A" * 64):
        assert check_name(name) == name
    with pytest.raises(EditionRefused):
        check_name(".")


def test_the_same_edition_from_other_figures_is_refused_unless_replaced(out, small, tmp_path):
    other = copy_figures(tmp_path / "other", CODES)
    rows = read_rows(other / "footprints.csv")
    rows[0]["stated_gap_nhs"] = "999"
    write_rows(other / "footprints.csv", rows)
    refused(
        out,
        other,
        "edition ed1 was built from other figures: build a new edition with "
        "--edition NAME, or rebuild this one from these figures with --replace",
    )
    result = build_cli(out, other, "--edition", "ed1", "--replace")
    assert result.exit_code == 0, result.output
    assert "2 built, 1 up to date, 0 failed" in result.output  # E54000008 and national


def test_the_previous_edition_is_chosen_by_manifest_order_not_by_time_or_name(tmp_path, small):
    out = tmp_path / "out"
    for sequence, name in ((1, "zz-first"), (2, "aa-second")):
        edition = Edition(out, name)
        with edition.locked():
            edition.write_manifest({"sequence": sequence, "created": "2017-01-01T00:00:00"})
    os.utime(out / "zz-first", (2e9, 2e9))  # the newest by time, and last by name
    (out / "zz-first" / "manifest.json").chmod(0o644)  # and the newest ctime
    prepared = prepare(BuildOptions(figures=small, out=out, edition="mm-third"))
    assert prepared.manifest["previous"] == "aa-second"
    assert Edition(out, "mm-third").next_sequence() == 3


def _fingerprints(figures: Path, out: Path) -> dict[str, str]:
    return {
        r.key: r.fingerprint
        for r in prepare(BuildOptions(figures=figures, out=out, edition="ed1")).runs
    }


def _edit(path: Path, index: int, column: str, change: float) -> str:
    rows = read_rows(path)
    rows[index][column] = str(float(rows[index][column]) + change)
    write_rows(path, rows)
    return rows[index].get("code") or rows[index]["footprint"]


def test_each_pack_reruns_when_the_national_figures_it_quotes_change(tmp_path):
    figures = copy_figures(tmp_path / "a", ["E54000008", "E54000031", "E54000041"])
    out = tmp_path / "out"
    first = _fingerprints(figures, out)

    def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
        return {k for k in after if after[k] != before[k]}

    # a figure only its own pack (and the national briefing) quotes
    code = _edit(figures / "footprints.csv", 1, "stated_gap_nhs", 50)
    second = _fingerprints(figures, out)
    assert changed(first, second) == {code, "national"}
    # one scheme's capital: every pack quotes the national capital asked for and the pot's
    # chance (this national total was missing from the packs' fingerprints before)
    _edit(figures / "schemes.csv", 0, "capital_required", 7)
    third = _fingerprints(figures, out)
    assert changed(second, third) == set(third)
    # one allocation: levers are shared by England's fixed totals, so only its own pack (and
    # the national briefing) moves, unless the edit moves another pack's rank range
    code = _edit(figures / "footprints.csv", 1, "nhs_allocation", 5)
    assert changed(third, _fingerprints(figures, out)) == {code, "national"}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
def test_kill_9_of_the_main_process_leaves_no_orphan_to_overwrite_the_next_build(tmp_path, small):
    out = tmp_path / "out"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stpreport.cli",
            "build",
            "--figures",
            str(small),
            "--out",
            str(out),
            "--edition",
            "ed1",
            "--format",
            "html",
            "--jobs",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 60
    kernels: set[int] = set()
    # a worker and its kernel (three briefings start one worker on two cores, two on more:
    # `pool._worth`), their processes all seen while they warm up
    while time.time() < deadline and len(kernels) < 2:
        time.sleep(0.2)
        kernels = _descendants(first.pid)
    time.sleep(0.5)
    kernels |= _descendants(first.pid)
    assert len(kernels) >= 2, "the build's worker and its kernel did not start"
    first.send_signal(signal.SIGKILL)  # the main process only: its workers are orphaned
    first.wait()
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(p) for p in kernels):
        time.sleep(0.1)
    assert not [p for p in kernels if _alive(p)], "processes of the killed build survive"

    result = run_build(
        BuildOptions(figures=small, out=out, edition="ed1", jobs=2, formats=("html",), force=True),
        lambda *a: None,
    )
    assert not result.failed
    written = snapshot(out / "ed1")
    stamps = {p: p.stat().st_mtime_ns for p in (out / "ed1").iterdir()}
    time.sleep(2)
    assert snapshot(out / "ed1") == written
    assert {p: p.stat().st_mtime_ns for p in (out / "ed1").iterdir()} == stamps
    assert set(os.listdir(out / "ed1")) == PUBLISHED
