"""The analysis cache: data only, exact, verified, recomputed when it does not check out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from stpreport.analysis import Analysis, analyse
from stpreport.assumptions import load_assumptions
from stpreport.inputs import load_figures
from stpreport.pipeline import cache, codec


@pytest.fixture(scope="module")
def cached() -> cache.Cached:
    figures = load_figures()
    assumptions = load_assumptions()
    return cache.Cached(figures, assumptions, analyse(figures, assumptions))


def assert_same(a, b, where="value"):
    """Equal, exactly: frames and series with their dtypes and index, floats bit for bit."""
    assert type(a) is type(b), (where, type(a), type(b))
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, pd.Index):
        pd.testing.assert_index_equal(a, b, exact=True, obj=where)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def test_the_analysis_of_the_bundled_figures_round_trips_exactly(cached, tmp_path):
    path = cache.entry_path("abc123", tmp_path)
    cache.write(path, cache.dumps("abc123", cached))
    loaded = cache.read(path, "abc123")
    assert loaded is not None
    assert isinstance(loaded.analysis, Analysis)
    assert_same(cached.analysis, loaded.analysis, "analysis")
    assert_same(cached.assumptions, loaded.assumptions, "assumptions")
    for table in ("footprints", "schemes", "contracts", "sources"):
        assert_same(getattr(cached.figures, table), getattr(loaded.figures, table), table)


def test_every_kind_the_codec_promises_round_trips():
    frame = pd.DataFrame(
        {
            "b": [True, False],
            "i": np.array([1, -2], dtype="int64"),
            "f": [0.1, float("nan")],
            "o": ["x", None],
            "s": pd.Series(["p", None], dtype="str"),
            "c": pd.Categorical(["u", "v"]),
            "t": pd.to_datetime(["2017-04-01", None]),
        },
        index=pd.Index(["E1", "E2"], name="code"),
    )
    value = {
        "frame": frame,
        "series": frame["f"],
        "tuple": (1, 2.5, "a"),
        3: None,
        "date": dt.date(2017, 4, 1),
        "inf": -math.inf,
        "np": np.float64(1 / 3),
        "array": np.arange(6, dtype="float64").reshape(2, 3),
        "$odd": [1e-310, 2**60],
    }
    again = codec.decode(json.loads(json.dumps(codec.encode(value), allow_nan=False)))
    assert_same(value, again)


def test_only_allowed_classes_are_rebuilt():
    assert "stpreport.analysis.Analysis" in codec.allowed()
    assert "stpreport.analysis.reprioritise.Reprioritisation" in codec.allowed()
    assert "stpreport.assumptions.Lever" in codec.allowed()
    evil = {"$dataclass": "os.system", "fields": {}}
    with pytest.raises(codec.DecodeError, match="is not a class the cache may hold"):
        codec.decode(evil)
    with pytest.raises(codec.DecodeError):
        codec.decode({"$array": {"dtype": "V8", "shape": [1], "values": [0]}})


@pytest.mark.parametrize("damage", ["tampered", "not json", "pickle", "other key", "empty"])
def test_a_damaged_entry_is_recomputed_never_trusted(cached, tmp_path, damage):
    import pickle

    path = cache.entry_path("k1", tmp_path)
    good = cache.dumps("k1", cached)
    bad = {
        "tampered": good.replace(b'"E54000008"', b'"E99999999"', 1),
        "not json": b"this is not json\n{",
        "pickle": pickle.dumps(cached),
        "other key": cache.dumps("k2", cached),
        "empty": b"",
    }[damage]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bad)
    calls = []

    def compute():
        calls.append(1)
        return cached

    loaded, where = cache.load_or_compute("k1", compute, tmp_path)
    assert calls == [1] and where == path
    assert loaded is cached
    assert path.read_bytes() == good  # rewritten with the computed analysis


def test_stored_draws_round_trip_exactly_and_only_as_numbers(tmp_path):
    store = cache.DrawFiles(tmp_path)
    draws = np.random.default_rng(1).normal(size=(50, 6))
    store.put("k1", draws)
    back = store.get("k1")
    assert back.dtype == np.float64 and back.shape == (50, 6)
    np.testing.assert_array_equal(back, draws)
    assert store.get("k2") is None
    with pytest.raises(ValueError, match="bad draws key"):
        store.get("../k1")


@pytest.mark.parametrize("damage", ["tampered", "short", "other key", "pickle", "link"])
def test_damaged_draws_are_drawn_again_never_trusted(tmp_path, damage):
    import pickle

    store = cache.DrawFiles(tmp_path)
    draws = np.arange(12, dtype=float).reshape(2, 6)
    store.put("k1", draws)
    path = tmp_path / "draws" / "k1.f8"
    good = path.read_bytes()
    elsewhere = tmp_path / "elsewhere.f8"
    elsewhere.write_bytes(good)
    path.unlink()
    if damage == "link":  # even a link to a good file is not followed
        path.symlink_to(elsewhere)
    else:
        path.write_bytes(
            {
                "tampered": good[:-1] + b"\x01",
                "short": good[:-8],
                "other key": good.replace(b'"k1"', b'"k2"', 1),
                "pickle": pickle.dumps(draws),
            }[damage]
        )
    assert store.get("k1") is None


def test_the_draws_kept_are_the_newest(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(cache, "KEEP_DRAWS", 3)
    store = cache.DrawFiles(tmp_path)
    for i in range(5):
        store.put(f"k{i}", np.zeros((1, 6)))
        os.utime(tmp_path / "draws" / f"k{i}.f8", (1000 + i, 1000 + i))
    assert store.get("k0") is not None  # read: now the newest
    store.prune()
    assert sorted(p.stem for p in (tmp_path / "draws").glob("*.f8")) == ["k0", "k3", "k4"]


def test_draws_that_cannot_be_written_are_said_once(tmp_path, caplog):
    (tmp_path / "draws").write_text("a file where the folder should be")
    store = cache.DrawFiles(tmp_path)
    with caplog.at_level("WARNING", logger="stpreport.pipeline.cache"):
        for i in range(3):
            store.put(f"k{i}", np.zeros((1, 6)))
    assert len(caplog.records) == 1 and "could not write the draws" in caplog.text
    assert store.get("k0") is None
