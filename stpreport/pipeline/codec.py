"""A data format for the analysis: JSON that gives back exactly what went in, and no code.

Pickle ran whatever a planted file asked for. This codec writes only data (numbers, text,
frames as columns with their dtypes) and rebuilds only classes on a fixed allow-list: the
dataclasses defined in the modules of `MODULES`, collected by walking them, plus any passed to
`register`. A name in the file is looked up in that table and never imported, so a file can
at worst fail to decode.

Dataclasses are walked field by field (`dataclasses.fields`), so a field added to `Analysis`,
`Assumptions` or a new dataclass in `stpreport.analysis` needs no change here, as long as its
values are of the kinds below. Floats round-trip exactly: Python's `json` writes `repr`,
which reads back to the same double; non-finite ones are tagged.

Kinds: None, bool, int, float (NaN and infinities included), str, list, tuple, dict (any
keys), `datetime.date`/`datetime`, numpy scalars and arrays, pandas `Timestamp`, `Index`
(`RangeIndex` kept as one), `Series` and `DataFrame` (columns, dtypes: bool, int, float,
object, str/string, category, datetime64; the index with its name), and dataclasses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import math
import pkgutil
from typing import Any

import numpy as np
import pandas as pd

MODULES = ("stpreport.analysis", "stpreport.assumptions", "stpreport.inputs", "stpreport.problems")
"""Packages and modules whose dataclasses the cache may hold (a package's submodules too)."""

_REGISTRY: dict[str, type] = {}
_COLLECTED: list[bool] = []  # becomes [True] once the modules have been walked


class DecodeError(ValueError):
    """The data is not something this codec wrote."""


def register(cls: type) -> type:
    """Allow dataclass `cls` in the data (usable as a decorator)."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"{cls!r} is not a dataclass")
    _REGISTRY[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return cls


def _collect() -> dict[str, type]:
    if not _COLLECTED:
        for name in MODULES:
            module = importlib.import_module(name)
            modules = [module]
            if hasattr(module, "__path__"):
                modules += [
                    importlib.import_module(info.name)
                    for info in pkgutil.iter_modules(module.__path__, f"{name}.")
                ]
            for mod in modules:
                for value in vars(mod).values():
                    if (
                        isinstance(value, type)
                        and dataclasses.is_dataclass(value)
                        and value.__module__ == mod.__name__
                    ):
                        register(value)
        _COLLECTED.append(True)
    return _REGISTRY


def allowed() -> list[str]:
    """The names of every class the codec rebuilds."""
    return sorted(_collect())


# -- encoding ---------------------------------------------------------------------------------
def encode(value: Any) -> Any:
    """`value` as plain JSON data (dicts, lists, str, int, float, bool, None)."""
    if value is None or (isinstance(value, bool | str | int) and not isinstance(value, np.generic)):
        return value
    if isinstance(value, float) and not isinstance(value, np.generic):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, np.generic):
        return {"$np": value.dtype.str, "v": encode(value.item())}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, pd.Timestamp):
        return {"$timestamp": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, pd.DataFrame):
        return {
            "$frame": {
                "columns": _encode_index(value.columns),
                "index": _encode_index(value.index),
                "data": [_encode_values(value.iloc[:, i]) for i in range(value.shape[1])],
            }
        }
    if isinstance(value, pd.Series):
        return {
            "$series": {
                "name": encode(value.name),
                "index": _encode_index(value.index),
                "data": _encode_values(value),
            }
        }
    if isinstance(value, pd.Index):
        return _encode_index(value)
    if isinstance(value, np.ndarray):
        return {
            "$array": {
                "dtype": value.dtype.str,
                "shape": list(value.shape),
                "values": [encode(v) for v in value.ravel().tolist()],
            }
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if _collect().get(name) is not cls:
            raise TypeError(f"{name} is not on the codec's allow-list (codec.register it)")
        return {
            "$dataclass": name,
            "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise TypeError(f"the analysis cache cannot hold a {type(value).__name__}")


def _encode_index(index: pd.Index) -> dict:
    if isinstance(index, pd.MultiIndex):
        raise TypeError("the analysis cache cannot hold a MultiIndex")
    if isinstance(index, pd.RangeIndex):
        return {"$range": [index.start, index.stop, index.step, encode(index.name)]}
    return {"$index": {"name": encode(index.name), "data": _encode_values(index)}}


def _encode_values(values: pd.Series | pd.Index) -> dict:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return {
            "dtype": "category",
            "ordered": bool(dtype.ordered),
            "categories": _encode_index(dtype.categories),
            "codes": [int(c) for c in values.array.codes],
        }
    if dtype.kind in "mM":
        return {"dtype": str(dtype), "ints": np.asarray(values).view("int64").tolist()}
    if dtype.kind in "biuf" and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return {"dtype": str(dtype), "values": [encode(v) for v in np.asarray(values).tolist()]}
    # object, str/string and other extension dtypes: element by element, missing as None
    # (the dtype rebuilds its own missing value) unless the dtype is object.
    items = []
    keep_missing = _is_object(dtype)
    for v in values.tolist():
        if not keep_missing and v is not None and pd.api.types.is_scalar(v) and pd.isna(v):
            items.append(None)
        else:
            items.append(encode(v))
    return {"dtype": str(dtype), "values": items}


# -- decoding ---------------------------------------------------------------------------------
def decode(data: Any) -> Any:
    """The value `encode` gave `data` for; `DecodeError` for anything it would not write."""
    try:
        return _decode(data)
    except DecodeError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise DecodeError(f"{type(exc).__name__}: {exc}") from None


def _decode(data: Any) -> Any:
    if data is None or isinstance(data, bool | str | int | float):
        return data
    if isinstance(data, list):
        return [_decode(v) for v in data]
    if not isinstance(data, dict):
        raise DecodeError(f"unexpected {type(data).__name__}")
    tags = [k for k in data if k.startswith("$")]
    if not tags:
        return {k: _decode(v) for k, v in data.items()}
    tag = tags[0]
    body = data[tag]
    if tag == "$float":
        if body not in ("nan", "inf", "-inf"):
            raise DecodeError(f"bad float {body!r}")
        return float(body)
    if tag == "$np":
        return np.dtype(_dtype(body)).type(_decode(data["v"]))
    if tag == "$tuple":
        return tuple(_decode(v) for v in body)
    if tag == "$dict":
        return {_hashable(_decode(k)): _decode(v) for k, v in body}
    if tag == "$timestamp":
        return pd.Timestamp(body)
    if tag == "$datetime":
        return dt.datetime.fromisoformat(body)
    if tag == "$date":
        return dt.date.fromisoformat(body)
    if tag == "$frame":
        index = _decode_index(body["index"])
        columns = _decode_index(body["columns"])
        series = [_decode_values(v, index) for v in body["data"]]
        if len(series) != len(columns):
            raise DecodeError("a frame's columns and data differ in length")
        frame = (
            pd.concat(series, axis=1, ignore_index=True) if series else pd.DataFrame(index=index)
        )
        frame.columns = columns
        return frame
    if tag == "$series":
        series = _decode_values(body["data"], _decode_index(body["index"]))
        series.name = _decode(body["name"])
        return series
    if tag in ("$range", "$index"):
        return _decode_index(data)
    if tag == "$array":
        values = [_decode(v) for v in body["values"]]
        return np.array(values, dtype=_dtype(body["dtype"])).reshape(body["shape"])
    if tag == "$dataclass":
        cls = _collect().get(body)
        if cls is None:
            raise DecodeError(f"{body!r} is not a class the cache may hold")
        fields = data["fields"]
        names = {f.name for f in dataclasses.fields(cls)}
        if set(fields) != names:
            raise DecodeError(f"{body}: the cached fields differ from the class's")
        obj = cls.__new__(cls)
        for name in names:
            object.__setattr__(obj, name, _decode(fields[name]))
        return obj
    raise DecodeError(f"unknown tag {tag!r}")


def _is_object(dtype: object) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _dtype(text: str) -> np.dtype:
    dtype = np.dtype(text)
    if dtype.kind not in "biufcmMUSO?":
        raise DecodeError(f"dtype {text!r} is not allowed")
    return dtype


def _decode_index(data: dict) -> pd.Index:
    if "$range" in data:
        start, stop, step, name = data["$range"]
        return pd.RangeIndex(int(start), int(stop), int(step), name=_decode(name))
    body = data["$index"]
    values = _decode_values(body["data"], None)
    return pd.Index(values, name=_decode(body["name"]))


def _decode_values(data: dict, index: pd.Index | None) -> pd.Series:
    kind = data["dtype"]
    if kind == "category":
        categories = _decode_index(data["categories"])
        values = pd.Categorical.from_codes(
            data["codes"], categories=categories, ordered=bool(data["ordered"])
        )
        return pd.Series(values, index=index)
    dtype = pd.api.types.pandas_dtype(kind)
    if "ints" in data:
        return pd.Series(np.array(data["ints"], dtype="int64").view(dtype), index=index)
    values = [_decode(v) for v in data["values"]]
    if _is_object(dtype):
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return pd.Series(array, index=index, dtype=object)
    return pd.Series(values, index=index, dtype=dtype)
