"""A table's metadata file (``NAME.toml``): read it, and check it against one schema.

The metadata is checked in full (a JSON Schema, :data:`METADATA_SCHEMA`, then the rules a
JSON Schema cannot say, such as "a stack's dimension differs from its name") before any data is
read, so malformed metadata is a :class:`~workbench.errors.DataError` naming the file and the
key, never a raw ``TypeError`` from deep inside the reader. data/README.md documents the format.
"""

from __future__ import annotations

import datetime as _dt
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.data.sources import SOURCE_QUALITIES
from workbench.errors import DataError, format_choices

__all__ = ["DTYPES", "METADATA_SCHEMA", "check_metadata", "read_metadata", "read_text"]

DTYPES = ("str", "float", "int", "bool", "date", "quarter")
NUMERIC = ("float", "int")
ORDERABLE = ("float", "int", "date", "quarter")
_NAME = {"type": "string", "minLength": 1, "pattern": r"^[^\s].*[^\s]$|^[^\s]$"}
_TEXT = {"type": "string"}

COLUMN_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "dtype": {"enum": list(DTYPES)},
        "units": _TEXT,
        "long_name": _TEXT,
        "description": _TEXT,
        "required": {"type": "boolean"},
        "min": {"type": "number"},
        "exclusive_min": {"type": "boolean"},
        "max": {"type": "number"},
        "header": _NAME,
        "zero_is_missing": {"type": "boolean"},
        "units_column": _NAME,
        "choices": {"type": "array", "items": _TEXT, "minItems": 1, "uniqueItems": True},
    },
}
STACK_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["dim", "columns"],
    "properties": {
        "dim": _NAME,
        "columns": {"type": "object", "minProperties": 1, "additionalProperties": _NAME},
        "units": _TEXT,
        "long_name": _TEXT,
        "description": _TEXT,
    },
}
#: The JSON Schema every metadata file must satisfy (after dates are written as ISO text).
METADATA_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "license", "as_of", "index", "columns"],
    "properties": {
        "title": _TEXT,
        "license": _TEXT,
        "as_of": _TEXT,
        "description": _TEXT,
        "source": _TEXT,
        "max_age_days": {"type": "integer", "minimum": 1},
        "index": {"type": "array", "items": _NAME, "minItems": 1, "uniqueItems": True},
        "columns": {"type": "object", "minProperties": 1, "additionalProperties": COLUMN_SCHEMA},
        "stack": {"type": "object", "additionalProperties": STACK_SCHEMA},
        "ordered": {
            "type": "array",
            "items": {"type": "array", "items": _NAME, "minItems": 2, "uniqueItems": True},
        },
    },
    # Any other top-level key is a plain attribute of the dataset.
    "additionalProperties": {"type": ["string", "number", "boolean"]},
}


def _import_jsonschema():
    """jsonschema, imported without ``rfc3987_syntax``.

    jsonschema's format checkers import ``rfc3987_syntax`` when it is installed (JupyterLab's
    ``jsonschema[format-nongpl]`` brings it), which compiles a grammar: 4-6 s of every process
    that loads a table. The metadata schema uses no ``format`` keyword, so that one module is
    hidden while jsonschema is first imported; anything that imports it later gets it whole.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        import jsonschema

        return jsonschema
    sys.modules["rfc3987_syntax"] = None  # makes its import fail, which jsonschema allows
    try:
        import jsonschema
    finally:
        del sys.modules["rfc3987_syntax"]
    return jsonschema


jsonschema = _import_jsonschema()
_VALIDATOR = jsonschema.Draft202012Validator(METADATA_SCHEMA)


def read_text(path: Path, *, what: str | None = None, encoding: str = "utf-8") -> str:
    """The text of ``path``, or a :class:`DataError` saying why not (and where, if not UTF-8).

    ``what`` names the kind of file in messages ("metadata"); tables leave it out, their path
    says enough. ``encoding`` ``"utf-8-sig"`` drops the byte-order mark spreadsheets write.
    """
    subject = f"{what} " if what else ""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{what} file missing" if what else "no such file", path=path) from None
    except IsADirectoryError:
        raise DataError(f"is a folder, not a {subject}file", path=path) from None
    except OSError as exc:
        raise DataError(f"{subject}cannot be read ({exc.strerror})", path=path) from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{subject}is not UTF-8 text (byte {exc.start})", path=path, line=line
        ) from None


def read_metadata(path: str | Path) -> dict:
    """Parse and check a table's TOML metadata file.

    Raises
    ------
    DataError
        The file is missing, a folder, unreadable, not UTF-8, not TOML, or breaks the schema
        (naming the key).
    """
    path = Path(path)
    text = read_text(path, what="metadata")
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"metadata is not valid TOML ({exc})", path=path) from None
    return check_metadata(meta, path=path)


def check_metadata(meta: Any, *, path: str | Path = "<metadata>") -> dict:
    """``meta`` checked against :data:`METADATA_SCHEMA` and the cross-key rules.

    Returns a copy in which TOML dates and times are ISO 8601 text. Raises a
    :class:`~workbench.errors.DataError` naming ``path`` and the offending key.
    """
    if not isinstance(meta, Mapping):
        raise DataError(f"metadata must be a table of keys; got {type(meta).__name__}", path=path)
    meta = {k: _iso(v) for k, v in meta.items()}
    if isinstance(meta.get("columns"), Mapping):
        meta["columns"] = {
            k: dict(v) if isinstance(v, Mapping) else v for k, v in meta["columns"].items()
        }
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(meta))
    if error is not None:
        raise DataError(_describe(error), path=path) from None
    _check_references(meta, path)
    return meta


def _iso(value: Any) -> Any:
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date
        return value.isoformat()
    return value


def _key(parts) -> str:
    return ".".join(str(p) for p in parts) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    where = _key(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = error.schema.get("properties", {})
        unknown = sorted(k for k in error.instance if k not in known)
        return (
            f"unknown metadata keys {unknown} in {where}; valid keys are "
            f"{format_choices(sorted(known))}"
        )
    if error.validator == "required":
        return f"metadata lacks the required key {error.message.split(' ')[0]} in {where}"
    return f"metadata key {where}: {error.message}"


def _check_references(meta: dict, path) -> None:
    """The rules between keys: what names what, and what may fold into what."""
    columns: dict[str, dict] = meta["columns"]

    def fail(message: str):
        raise DataError(message, path=path)

    for name in meta["index"]:
        if name not in columns:
            fail(f"index column {name!r} is not declared in [columns]")
    for name, spec in columns.items():
        dtype = spec.get("dtype", "str")
        if ("min" in spec or "max" in spec) and dtype not in NUMERIC:
            fail(f"columns.{name}: min/max apply to numbers, not dtype {dtype!r}")
        if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
            fail(f"columns.{name}: min {spec['min']} is above max {spec['max']}")
        if "choices" in spec and dtype != "str":
            fail(f"columns.{name}: choices apply to dtype 'str', not {dtype!r}")
        other = spec.get("units_column")
        if other is not None and other not in columns:
            fail(f"columns.{name}: units_column {other!r} is not declared in [columns]")
    quality = columns.get("source_quality")
    if quality is not None:
        # The one vocabulary of source quality (data/README.md), whatever the file says.
        if quality.get("dtype", "str") != "str":
            fail("columns.source_quality: dtype must be 'str'")
        allowed = quality.setdefault("choices", list(SOURCE_QUALITIES))
        if not set(allowed) <= set(SOURCE_QUALITIES):
            fail(
                f"columns.source_quality: choices must be among {format_choices(SOURCE_QUALITIES)}"
            )
    folded: dict[str, str] = {}
    for name, stack in meta.get("stack", {}).items():
        dim = stack["dim"]
        if dim == name:
            fail(f"stack.{name}: dim must differ from the stack's own name {name!r}")
        if dim in columns or dim in meta["index"]:
            fail(f"stack.{name}: dim {dim!r} is already a column's name")
        if name in columns and name not in stack["columns"].values():
            fail(f"stack.{name}: the name is already a column's name")
        for label, column in stack["columns"].items():
            if column not in columns:
                fail(f"stack.{name}.columns.{label}: {column!r} is not declared in [columns]")
            if column in meta["index"]:
                fail(f"stack.{name}.columns.{label}: {column!r} is a key column")
            if columns[column].get("dtype", "str") not in NUMERIC:
                fail(f"stack.{name}.columns.{label}: {column!r} is not a number column")
            if column in folded:
                fail(f"stack.{name}: column {column!r} is already in stack {folded[column]!r}")
            folded[column] = name
    labels: dict[str, list] = {}
    for name, stack in meta.get("stack", {}).items():
        if stack["dim"] in meta.get("stack", {}):
            fail(f"stack.{name}: dim {stack['dim']!r} is already a stack's name")
        # Two stacks may share a dimension only with the same labels.
        previous = labels.setdefault(stack["dim"], list(stack["columns"]))
        if previous != list(stack["columns"]):
            fail(f"stack.{name}: dim {stack['dim']!r} is shared with different labels")
    for group in meta.get("ordered", []):
        for column in group:
            if column not in columns:
                fail(f"ordered: {column!r} is not declared in [columns]")
        kinds = {columns[c].get("dtype", "str") for c in group}
        if not kinds <= set(ORDERABLE) or (kinds & set(NUMERIC) and kinds - set(NUMERIC)):
            fail(f"ordered: {group} must all be numbers or all be dates")
