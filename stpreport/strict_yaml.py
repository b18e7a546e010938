"""Read an assumptions file as YAML that means what it shows.

PyYAML's `safe_load` follows YAML 1.1, whose implicit types surprise people: `010000` is the
octal 4096, `1:30` the sexagesimal 90, `yes`, `no`, `on` and `off` are booleans, `1e5` is a
string but `1.0e5` a number; a repeated key silently keeps the last value; and aliases let a
few hundred bytes expand into gigabytes (the "billion laughs"). `StrictLoader` is a
`SafeLoader` with these rules instead, close to YAML 1.2's core schema:

- plain scalars resolve only to null (`null`, `~`, empty), booleans (`true`, `false`, any
  case pattern YAML 1.2 allows: `True`, `TRUE`), decimal integers (`010000` is 10000), and
  decimal floats (`1e5`, `.5`, `.inf`, `.nan`: kept so that a reader can refuse them by
  name); everything else (`yes`, `0x10`, `1_000`, `1:30`, dates) is a string;
- explicit tags are limited to these types plus `!!str`, `!!seq` and `!!map`;
- a repeated key, a key that is not text, an anchor or an alias is refused with its line;
- the document is at most `MAX_BYTES` long and nests at most `MAX_DEPTH` deep.

What these rules refuse raises `Refused`, a `yaml.MarkedYAMLError` with the line, whose
`problem` is written for the analyst; broken YAML raises PyYAML's own errors.
"""

from __future__ import annotations

import re
from typing import ClassVar

import yaml
from yaml.nodes import MappingNode

MAX_BYTES = 1_000_000
"""Largest assumptions file read. params/default.yaml is about 15 kB."""

MAX_DEPTH = 32
"""Deepest nesting accepted; the assumptions nest five deep. Deeper is not a plausible file and
would otherwise end in Python's recursion limit."""

_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_TAG = "tag:yaml.org,2002:"


class Refused(yaml.MarkedYAMLError):
    """Valid YAML that these rules refuse; `problem` is written for the analyst."""


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader with YAML-1.2-like implicit types, unique text keys and no aliases."""

    # Own tables, not copies of SafeLoader's: only the types listed above.
    yaml_implicit_resolvers: ClassVar[dict] = {}
    yaml_constructors: ClassVar[dict] = {}

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise Refused(
                None,
                None,
                f"uses the alias *{event.anchor}; aliases are not accepted: write the value out",
                event.start_mark,
            )
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise Refused(
                None,
                None,
                f"sets the anchor &{event.anchor}; anchors and aliases are not "
                "accepted: write the value out",
                event.start_mark,
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise Refused(None, None, f"nests deeper than {MAX_DEPTH} levels", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag != _TAG + "str":
                    shown = (
                        repr(key_node.value)
                        if isinstance(key_node.value, str)
                        else f"of type {key_node.id}"
                    )
                    raise Refused(
                        None,
                        None,
                        f"has a key {shown} that is not text; keys must be text (put it in quotes)",
                        key_node.start_mark,
                    )
                key = key_node.value
                if key in seen:
                    raise Refused(
                        None,
                        None,
                        f"repeats the key {key!r} (first on "
                        f"line {seen[key]}); each key may appear once",
                        key_node.start_mark,
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_strict_int(self, node) -> int:
        text = self.construct_scalar(node)
        if not _INT.match(text) or len(text) > 100:
            raise Refused(
                None, None, f"{text[:40]!r} is not a decimal whole number", node.start_mark
            )
        return int(text, 10)

    def construct_strict_float(self, node) -> float:
        text = self.construct_scalar(node)
        if not (_FLOAT.match(text) or _INT.match(text)) or len(text) > 100:
            raise Refused(None, None, f"{text[:40]!r} is not a decimal number", node.start_mark)
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))

    def construct_strict_bool(self, node) -> bool:
        text = self.construct_scalar(node)
        if text not in _BOOL:
            raise Refused(None, None, f"{text[:40]!r} is not true or false", node.start_mark)
        return _BOOL[text]

    def construct_other_tag(self, node):
        raise Refused(
            None,
            None,
            f"uses the tag {node.tag.replace(_TAG, '!!')}; only text, "
            "numbers, true/false, null, lists and mappings are accepted",
            node.start_mark,
        )


StrictLoader.add_implicit_resolver(
    _TAG + "bool", re.compile("^(?:" + "|".join(_BOOL) + ")$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(_TAG + "null", _NULL, ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver(_TAG + "int", _INT, list("-+0123456789"))
StrictLoader.add_implicit_resolver(_TAG + "float", _FLOAT, list("-+0123456789."))
StrictLoader.add_constructor(_TAG + "null", yaml.SafeLoader.construct_yaml_null)
StrictLoader.add_constructor(_TAG + "bool", StrictLoader.construct_strict_bool)
StrictLoader.add_constructor(_TAG + "int", StrictLoader.construct_strict_int)
StrictLoader.add_constructor(_TAG + "float", StrictLoader.construct_strict_float)
StrictLoader.add_constructor(_TAG + "str", yaml.SafeLoader.construct_yaml_str)
StrictLoader.add_constructor(_TAG + "seq", yaml.SafeLoader.construct_yaml_seq)
StrictLoader.add_constructor(_TAG + "map", yaml.SafeLoader.construct_yaml_map)
StrictLoader.add_constructor(None, StrictLoader.construct_other_tag)


def load_strict(text: str):
    """The one document in `text`, read by `StrictLoader`; raises `yaml.YAMLError`."""
    if len(text) > MAX_BYTES:
        raise Refused(
            None,
            None,
            f"is longer than {MAX_BYTES:,} characters; an assumptions file is a few kilobytes",
        )
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
