"""Self-contained tasks: blobs named and checked by content, staged privately, shown as the
build shows the originals."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from stpreport.paths import show_as, shown_path
from stpreport.pipeline.engine import prelude
from stpreport.pipeline.task import STAGE_KEEP, Batch, Blob, Stage, staged, task_for

ROOT = Path(__file__).resolve().parent.parent


def test_a_blob_is_named_by_its_content_and_refuses_unsafe_names():
    a = Blob("figures", (("footprints.csv", b"x"), ("schemes.csv", b"y")))
    assert a.digest == Blob("figures", (("footprints.csv", b"x"), ("schemes.csv", b"y"))).digest
    assert a.digest != Blob("figures", (("footprints.csv", b"x"), ("schemes.csv", b"z"))).digest
    assert a.digest != Blob("other", a.files).digest
    for name in ("..", ".hidden", "a/b", "", "a b"):
        with pytest.raises(ValueError, match="not a plain file name"):
            Blob(name, (("", b""),))
    for relative in ("../x", "a/../b", "/etc/passwd", "a//b"):
        with pytest.raises(ValueError, match="not a plain relative name"):
            Blob("figures", ((relative, b""),))
    with pytest.raises(ValueError, match="does not match its digest"):
        Blob("figures", a.files, digest="0" * 32)
    assert pickle.loads(pickle.dumps(a)) == a


def test_a_task_carries_its_inputs_and_shows_them_as_the_build_does(tmp_path):
    figures = ROOT / "stpreport" / "data" / "figures"
    batch = Batch()
    task = task_for(
        batch,
        "E54000008",
        ROOT / "notebooks" / "footprint.ipynb",
        {"figures": str(figures), "params": None, "edition": "ed1", "footprint": "E54000008"},
        ("html",),
        "token",
    )
    assert list(task.parameters) == ["figures", "params", "edition", "footprint"]
    assert task.parameters["figures"] is None and task.inputs["params"] is None
    assert task.shown["figures"] == "stpreport/data/figures"
    assert sorted(batch.needs(task)) == sorted(task.digests)
    (blob,) = [b for b in batch.blobs.values() if b.name == "figures"]
    assert dict(blob.files)["schemes.csv"] == (figures / "schemes.csv").read_bytes()

    stage = Stage(tmp_path / "stage")
    stage.root.mkdir()
    notebook, parameters, aliases = staged(task, batch.blobs, stage)
    assert notebook.read_bytes() == (ROOT / "notebooks" / "footprint.ipynb").read_bytes()
    staged_figures = Path(parameters["figures"])
    assert staged_figures.is_relative_to(stage.root)
    assert (staged_figures / "schemes.csv").read_bytes() == (figures / "schemes.csv").read_bytes()
    assert list(parameters) == list(task.parameters)
    try:
        show_as(aliases)
        assert shown_path(staged_figures) == "stpreport/data/figures"
        assert shown_path(staged_figures / "schemes.csv") == "stpreport/data/figures/schemes.csv"
    finally:
        show_as({})
    # staged once: a second task finds it without the blobs
    again = staged(task, {}, stage)
    assert again[1] == parameters


def test_the_stage_keeps_a_bounded_number_of_blobs(tmp_path):
    stage = Stage(tmp_path)
    blobs = [Blob(f"b{i}", (("", str(i).encode()),)) for i in range(STAGE_KEEP + 5)]
    for blob in blobs:
        stage.path(blob.digest, {blob.digest: blob})
        stage.prune([blob.digest])
    assert len(stage.names) == STAGE_KEEP
    assert sorted(os.listdir(tmp_path)) == sorted(stage.names)
    with pytest.raises(ValueError, match="arrived neither staged nor with the task"):
        stage.path(blobs[0].digest, {})


def test_the_prelude_writes_the_aliases_as_literals():
    code = prelude({"/tmp/x'); import os; os.system('boom": "figures"})
    namespace: dict = {}
    calls = []
    import stpreport.paths as paths

    original = paths.show_as
    paths.show_as = calls.append
    try:
        exec(code.split("\n", 4)[-1], namespace)  # the lines after the reset (IPython magic)
    finally:
        paths.show_as = original
    assert calls == [{"/tmp/x'); import os; os.system('boom": "figures"}]


def test_a_missing_analysis_cache_entry_travels_as_none(tmp_path):
    """A read-only cache has no entry: the notebook then computes the analysis itself."""
    batch = Batch()
    task = task_for(
        batch,
        "national",
        ROOT / "notebooks" / "national.ipynb",
        {"analysis_cache": str(tmp_path / "analysis-0123.json"), "edition": "ed1"},
        ("html",),
    )
    assert task.inputs["analysis_cache"] is None and task.shown["analysis_cache"] is None
    assert task.digests == [task.notebook]
