"""Report parameters: what a notebook declares, and turning ``-p KEY=VALUE`` text into values.

A notebook declares its parameters in the cell tagged ``parameters``; papermill's inspection
reads their names, defaults, annotations and help comments. Each parameter gets a *kind*
from its annotation (``end: int = 2030``) or a ``# type:`` comment, else from its default's
literal (``2030`` is an int), else ``any``.

Text given on the command line is parsed by the declared kind:

========  =================================================================================
kind      accepted text
========  =================================================================================
int       ``2030``, ``-3``, ``1_000`` (not ``2.5``)
float     ``0.5``, ``2030``, ``1e9``, ``inf``, ``nan``
bool      ``true``/``false``, ``yes``/``no``, ``on``/``off``, ``1``/``0`` (any case)
str       the text as given; surrounding quotes, if both present, are removed
list      ``[a, b]`` or ``a,b``; each item is parsed by the list's item kind
          (``list[int]``, or the kind of the default's items), quotes keep commas in an item
dict      a JSON or Python literal: ``{"low": 1, "high": 2}``
any       ``true``/``false`` → bool, ``none``/``null`` → None, integers → int, decimals and
          exponents → float, ``[...]`` → list, ``{...}`` → dict, quoted text or anything else → str
========  =================================================================================

A number may be bounded where it is declared, by a range at the end of its comment, with
the memory each unit needs when a run's memory grows with it::

    n_draws = 10_000  # Monte Carlo draws [100, 10_000_000; 20 kB each]

A value outside the range is refused; so is one whose memory (value times the size each)
is more than this machine has available, before any kernel starts.

A string may be limited to choices the same way, optionally also accepting a path to a file
of a given suffix::

    scenario = "base"  # demand scenario [one of: bear, base, bull; or a .csv path]

``-p scenario=bul`` is then refused before any kernel starts, with "did you mean 'bull'?".
A renamed parameter says so in its comment, and its old name keeps working for one release
(mapped to the new one, with a deprecation message)::

    end = 2030  # last year of the outlook (formerly horizon)

Surrounding whitespace is ignored; quote a string to keep it. Values that are already typed
(from ``reports.toml`` or Python) are checked against the kind instead: an int is accepted where
a float is declared, nothing else is converted (``"2030"`` is not an int there).

Whatever the kind, a value is data, never code: only JSON's types are accepted (str, int,
float, bool, None, lists, and dicts with str keys), so bytes, tuples, sets, complex numbers,
dates or non-string keys are refused with a :class:`~workbench.errors.ParameterError`, and the
cell injected into the notebook is written from the checked value by :func:`python_literal`,
never from the text given.
"""

from __future__ import annotations

import ast
import difflib
import json
import logging
import math
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import ParameterError, ReportError

logger = logging.getLogger(__name__)

__all__ = [
    "NotebookParameter",
    "available_memory",
    "check_parameters",
    "current_name",
    "describe_parameters",
    "format_value",
    "inspect_parameters",
    "parse_assignment",
    "parse_text",
    "python_literal",
    "split_items",
]

KINDS = ("int", "float", "bool", "str", "list", "dict", "any")
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})
_INT_PATTERN = re.compile(r"[+-]?\d(_?\d)*")
_FLOAT_PATTERN = re.compile(
    r"[+-]?((\d(_?\d)*)?\.\d(_?\d)*|\d(_?\d)*\.?)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_NUMBER = r"[+-]?[\d_]+(?:\.\d*)?(?:[eE][+-]?\d+)?"
_BOUNDS = re.compile(
    rf"\[\s*(?P<low>{_NUMBER})\s*,\s*(?P<high>{_NUMBER})\s*"
    rf"(?:;\s*(?P<size>{_NUMBER})\s*(?P<unit>B|kB|MB|GB)\s+each\s*)?\]\s*$"
)
_UNIT_BYTES = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
_CHOICES = re.compile(
    r"\[\s*one of:\s*(?P<choices>[^\];]+?)\s*(?:;\s*or an? (?P<suffix>\.\w+) path\s*)?\]\s*$"
)
_FORMERLY = re.compile(r"\(formerly (?P<names>[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\)")
# Deeper brackets than any real parameter has would only exhaust Python's recursion limit.
_MAX_NESTING = 32
_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean (true or false)",
    "str": "a string",
    "list": "a list such as [a, b] or a,b",
    "dict": 'a mapping such as {"low": 1, "high": 2}',
    "any": "a number, boolean, string, list or mapping",
}
_ANNOTATION_KINDS = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "list": "list",
    "tuple": "list",
    "sequence": "list",
    "dict": "dict",
    "mapping": "dict",
}


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter a notebook declares in its ``parameters`` cell.

    Attributes
    ----------
    name
        The variable's name.
    kind
        One of ``int``, ``float``, ``bool``, ``str``, ``list``, ``dict`` or ``any``.
    item_kind
        For lists, the kind of each item (``any`` when unknown).
    default
        The default as written in the notebook (source text).
    help
        The comment after the assignment, if any.
    """

    name: str
    kind: str
    default: str
    help: str = ""
    item_kind: str = "any"

    @property
    def bounds(self) -> tuple[float, float, float | None] | None:
        """(lowest, highest, bytes per unit or None) declared at the end of the comment."""
        match = _BOUNDS.search(self.help) if self.kind in ("int", "float") else None
        if match is None:
            return None
        size = match.group("size")
        each = None if size is None else float(size) * _UNIT_BYTES[match.group("unit")]
        return float(match.group("low")), float(match.group("high")), each

    @property
    def choices(self) -> tuple[tuple[str, ...], str | None] | None:
        """(allowed strings, suffix of an allowed file path or None) declared at the end of
        the comment, for a string parameter."""
        match = _CHOICES.search(self.help) if self.kind == "str" else None
        if match is None:
            return None
        allowed = tuple(item.strip() for item in match.group("choices").split(","))
        return tuple(item for item in allowed if item), match.group("suffix")

    @property
    def formerly(self) -> tuple[str, ...]:
        """Old names of this parameter, declared as ``(formerly NAME)`` in its comment."""
        match = _FORMERLY.search(self.help)
        return () if match is None else tuple(re.split(r"\s*,\s*", match.group("names")))

    @property
    def type_name(self) -> str:
        """``int``, ``list[str]``…: the kind as a reader would write it."""
        if self.kind == "list" and self.item_kind != "any":
            return f"list[{self.item_kind}]"
        return self.kind

    def describe(self) -> str:
        """``end: int = 2030  # last year projected``."""
        text = f"{self.name}: {self.type_name} = {self.default}"
        return f"{text}  # {self.help}" if self.help else text


def inspect_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """The parameters ``notebook`` declares, by name, in the order of its parameters cell.

    Uses :func:`papermill.inspect_notebook`; a notebook without a cell tagged ``parameters``
    declares none. Papermill reads the cell line by line and skips an assignment whose
    comment contains ``=`` (``share = 1.0  # 1 = dense``); such assignments are recovered
    from the cell's syntax tree, so they can be set too.
    """
    from papermill import inspect_notebook  # papermill takes a second to import: only here

    papermill_log = logging.getLogger("papermill.translators")
    papermill_log.addFilter(_drop_unparsed_line_warnings)
    # Inspecting logs "Input Notebook: ..." as a run does; the run's line is enough.
    papermill_root = logging.getLogger("papermill")
    level = papermill_root.level
    papermill_root.setLevel(logging.WARNING)
    try:
        found_parameters = inspect_notebook(str(notebook))
        assignments = _assignments(notebook)
    except Exception as exc:  # papermill and nbformat raise many types for a bad file
        raise ReportError(
            f"cannot read the parameters of notebook {notebook}: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        papermill_log.removeFilter(_drop_unparsed_line_warnings)
        papermill_root.setLevel(level)
    found = [
        (name, p["inferred_type_name"], p["default"], p["help"])
        for name, p in found_parameters.items()
    ]
    known = {name for name, *_ in found}
    found += [item for item in assignments if item[0] not in known]
    order = {name: index for index, (name, *_) in enumerate(assignments)}
    found.sort(key=lambda item: order.get(item[0], len(order)))
    declared = {}
    for name, annotation, default, help_text in found:
        kind, item_kind = _kind_of(annotation, default)
        declared[name] = NotebookParameter(
            name=name, kind=kind, item_kind=item_kind, default=default, help=help_text
        )
    return declared


def _drop_unparsed_line_warnings(record: logging.LogRecord) -> bool:
    """Papermill warns of each line it cannot parse; :func:`_assignments` recovers them."""
    return not record.getMessage().startswith("Unable to parse line")


def _assignments(notebook: str | Path) -> list[tuple[str, str, str, str]]:
    """(name, annotation, default, comment) of each plain assignment in the parameters cell."""
    import nbformat

    cells = nbformat.read(str(notebook), as_version=4).cells
    cell = next((c for c in cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return []
    source = cell.source
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = source.splitlines()
    assignments = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], ""
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, ast.get_source_segment(source, node.annotation)
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        rest = lines[node.end_lineno - 1][node.end_col_offset :].strip()
        comment = rest[1:].strip() if rest.startswith("#") else ""
        default = ast.get_source_segment(source, node.value) or ""
        assignments.append((target.id, annotation or "", default, comment))
    return assignments


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``KEY=VALUE`` into the name and the value's text (not yet parsed).

    Examples
    --------
    >>> parse_assignment("horizon=2030")
    ('horizon', '2030')
    >>> parse_assignment("label=a=b")
    ('label', 'a=b')
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not _IDENTIFIER.fullmatch(name):
        raise ParameterError(
            f"A parameter must be given as KEY=VALUE with KEY a Python name; got {text!r} instead."
        )
    return name, value


def split_items(text: str) -> list[str]:
    """Split ``text`` on commas that are outside brackets, braces and quotes.

    Examples
    --------
    >>> split_items("low, 'a,b', [1, 2]")
    ['low', "'a,b'", '[1, 2]']
    """
    items, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:index].strip())
            start = index + 1
    items.append(text[start:].strip())
    return items


def parse_text(text: str, kind: str = "any", item_kind: str = "any") -> object:
    """Parse command-line text into a value of ``kind`` (see the module's table).

    Raises
    ------
    ValueError
        When the text does not parse to ``kind``; :func:`check_parameters` turns this into a
        :class:`~workbench.errors.ParameterError` that names the parameter.

    Examples
    --------
    >>> parse_text("2030", "float")
    2030.0
    >>> parse_text("[1, 2]")
    [1, 2]
    >>> parse_text("low,high", "list")
    ['low', 'high']
    """
    text = text.strip()
    if kind == "str":
        return _unquote(text)
    if _nesting(text) > _MAX_NESTING:
        raise ValueError(f"nested more than {_MAX_NESTING} levels deep")
    if kind == "int":
        if _INT_PATTERN.fullmatch(text):
            return int(text)
        raise ValueError(text)
    if kind == "float":
        if _FLOAT_PATTERN.fullmatch(text):
            return float(text)
        raise ValueError(text)
    if kind == "bool":
        word = text.lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS
        raise ValueError(text)
    if kind == "list":
        inner = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        if not inner.strip():
            return []
        return [parse_text(item, item_kind) for item in split_items(inner)]
    if kind == "dict":
        value = _literal(text)
        if isinstance(value, dict):
            return _check_data(value)
        raise ValueError(text)
    return _parse_any(text)


def check_parameters(
    report: str,
    declared: Mapping[str, NotebookParameter],
    given: Mapping[str, object],
    *,
    text: bool = False,
) -> dict[str, object]:
    """Check ``given`` values against a notebook's ``declared`` parameters.

    Parameters
    ----------
    report
        The report's name, for messages.
    declared
        :func:`inspect_parameters` of its notebook.
    given
        Values by name.
    text
        Whether the values are command-line text, parsed by the declared kind
        (:func:`parse_text`); otherwise they are typed values, checked against it (an int
        passes where a float is declared).

    Returns
    -------
    dict
        The values to inject, by name, in the order given.

    Raises
    ------
    ParameterError
        For an unknown name or a value that is not of the declared kind; the message names
        the report and the parameter and lists the valid parameters with their defaults.
    """
    checked = {}
    for old, value in given.items():
        name = current_name(declared, old)
        if name != old:
            if name in given:
                raise ParameterError(
                    f"Parameter {old!r} of report {report!r} is the old name of {name!r}; "
                    "give one of them.",
                    parameter=old,
                )
            message = (
                f"The {old!r} parameter of report {report!r} is now called {name!r}; {old!r} "
                "will be removed in the next release."
            )
            logger.warning(message)
            warnings.warn(message, DeprecationWarning, stacklevel=2)
        parameter = declared.get(name)
        if parameter is None:
            raise ParameterError(
                f"Unknown parameter {name!r} for report {report!r}"
                f"{_suggestion(name, declared)}.\n{describe_parameters(report, declared)}",
                parameter=name,
            )
        try:
            if text:
                parsed = parse_text(str(value), parameter.kind, parameter.item_kind)
            else:
                parsed = _check_typed(value, parameter.kind, parameter.item_kind)
            checked[name] = _check_data(parsed)
            _check_bounds(report, parameter, checked[name], declared)
            _check_choices(report, parameter, checked[name], declared)
        except ParameterError:
            raise
        except ValueError as exc:
            expected = _EXPECTED[parameter.kind]
            if parameter.kind == "list" and parameter.item_kind != "any":
                expected += f" of {parameter.item_kind} items"
            if isinstance(exc, _NotData):
                expected += f" ({exc})"
            error = ParameterError.invalid(name, f"report {report!r}", expected, value)
            raise ParameterError(
                f"{error}\n{describe_parameters(report, declared)}", parameter=name
            ) from None
    return checked


def current_name(declared: Mapping[str, NotebookParameter], name: str) -> str:
    """``name``, or the declared parameter it is an old name of (see the module)."""
    if name in declared:
        return name
    for parameter in declared.values():
        if name in parameter.formerly:
            return parameter.name
    return name


def describe_parameters(report: str, declared: Mapping[str, NotebookParameter]) -> str:
    """One paragraph listing ``report``'s parameters with their defaults."""
    if not declared:
        return f"Report {report!r} declares no parameters (no cell tagged 'parameters')."
    lines = "\n".join(f"  {p.describe()}" for p in declared.values())
    return f"Parameters of report {report!r} (with defaults):\n{lines}"


def format_value(value: object) -> str:
    """Short, stable text for a parameter value (folder names, the gallery, messages).

    Examples
    --------
    >>> format_value(True), format_value(0.5), format_value(["us", "eu"])
    ('true', '0.5', '[us,eu]')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, list | tuple):
        return "[" + ",".join(format_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _check_bounds(
    report: str, parameter: NotebookParameter, value: object, declared: Mapping
) -> None:
    """Refuse a number outside its declared range, or needing more memory than there is."""
    bounds = parameter.bounds
    if bounds is None or not isinstance(value, int | float) or isinstance(value, bool):
        return
    low, high, each = bounds
    owner = f"report {report!r}"
    if not low <= value <= high:
        error = ParameterError.invalid(
            parameter.name, owner, f"between {_number(low)} and {_number(high)}", value
        )
        raise ParameterError(
            f"{error}\n{describe_parameters(report, declared)}", parameter=parameter.name
        )
    available = available_memory()
    if each is not None and available is not None and value * each > available:
        raise ParameterError.invalid(
            parameter.name,
            owner,
            f"at most {_number(available // each)} on this machine: a run needs about "
            f"{_gigabytes(value * each)} of memory ({_gigabytes(each)} each) and "
            f"{_gigabytes(available)} is available",
            value,
        )


def _check_choices(
    report: str, parameter: NotebookParameter, value: object, declared: Mapping
) -> None:
    """Refuse a string that is none of its declared choices (nor a path of the allowed suffix)."""
    choices = parameter.choices
    if choices is None or not isinstance(value, str):
        return
    allowed, suffix = choices
    if value in allowed or (suffix is not None and value.lower().endswith(suffix.lower())):
        return
    expected = "one of " + ", ".join(repr(c) for c in allowed)
    if suffix is not None:
        expected += f", or a path ending {suffix}"
    hint = _suggestion(value, allowed)
    error = ParameterError.invalid(parameter.name, f"report {report!r}", expected, value)
    raise ParameterError(
        f"{error}{hint}\n{describe_parameters(report, declared)}", parameter=parameter.name
    )


def available_memory() -> float | None:
    """Bytes of memory available to a new process (Linux's MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def _number(value: float) -> str:
    return f"{int(value):_}" if float(value).is_integer() else f"{value:g}"


def _gigabytes(size: float) -> str:
    """``40 GB``, ``20 kB``: a size in decimal units, three figures."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.3g} B"


def python_literal(value: object) -> str:
    """``value`` as Python source that evaluates back to it: what is injected into a notebook.

    Only the types :func:`check_parameters` lets through are written (JSON's types); the
    text is built from the value, so no part of it comes from what a user typed. Infinite
    and NaN floats, which have no literal, are written as ``float("inf")`` and the like.

    Raises
    ------
    ValueError
        For any other type.

    Examples
    --------
    >>> python_literal({"a": [1, 2.5, None, True]})
    "{'a': [1, 2.5, None, True]}"
    >>> python_literal(float("-inf"))
    "float('-inf')"
    """
    _check_data(value)
    return _literal_source(value)


def _literal_source(value: object) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"  # 'inf', '-inf' or 'nan'
    if isinstance(value, list):
        return "[" + ", ".join(_literal_source(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{key!r}: {_literal_source(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)  # str, int, float, bool, None: repr is a literal of the same value


class _NotData(ValueError):
    """A value of a type that is not plain data (JSON's types); the message says which."""


def _check_data(value: object, depth: int = 0) -> object:
    """``value`` if it is made only of JSON's types (dict keys str); else :class:`_NotData`."""
    if depth > _MAX_NESTING:
        raise _NotData(f"nested more than {_MAX_NESTING} levels deep")
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list):
        for item in value:
            _check_data(item, depth + 1)
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _NotData(f"keys must be strings; got the key {key!r}")
            _check_data(item, depth + 1)
        return value
    raise _NotData(
        f"{type(value).__name__} values are not accepted: only strings, numbers, booleans, "
        "none, lists and mappings with string keys"
    )


def _kind_of(annotation: str, default: str) -> tuple[str, str]:
    """The (kind, item kind) from an annotation such as ``List[int]``, else from the default."""
    match = re.fullmatch(r"\s*(\w+)\s*(?:\[\s*(\w+)\s*\])?\s*", annotation or "")
    if match and match.group(1).lower() in _ANNOTATION_KINDS:
        kind = _ANNOTATION_KINDS[match.group(1).lower()]
        item = _ANNOTATION_KINDS.get((match.group(2) or "").lower(), "any")
        return kind, item if kind == "list" and item not in ("list", "dict") else "any"
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return "any", "any"
    if isinstance(value, list | tuple):
        return "list", _common_kind(value)
    return _kind_of_value(value), "any"


def _kind_of_value(value: object) -> str:
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if isinstance(value, types):
            return kind
    return "dict" if isinstance(value, dict) else "any"


def _common_kind(items) -> str:
    kinds = {_kind_of_value(item) for item in items}
    if kinds == {"int", "float"}:
        return "float"
    return kinds.pop() if len(kinds) == 1 and kinds <= {"bool", "int", "float", "str"} else "any"


def _check_typed(value: object, kind: str, item_kind: str) -> object:
    """``value`` if it is of ``kind`` (an int passes as a float); else ValueError."""
    if kind == "any":
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "list" and isinstance(value, list | tuple):
        return [_check_typed(item, item_kind, "any") for item in value]
    if _kind_of_value(value) != kind:
        raise ValueError(value)
    return value


def _parse_any(text: str) -> object:
    word = text.lower()
    if word in ("true", "false"):
        return word == "true"
    if word in ("none", "null"):
        return None
    if _INT_PATTERN.fullmatch(text):
        return int(text)
    if _FLOAT_PATTERN.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text)
    if text.startswith("[") and text.endswith("]"):
        return parse_text(text, "list")
    if text.startswith("{") and text.endswith("}"):
        return parse_text(text, "dict")
    return _unquote(text)


def _literal(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(text) from None


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]})":
            depth -= 1
    return deepest


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _suggestion(name: str, known) -> str:
    """The "did you mean" hint for the closest of ``known`` (names, or a mapping's keys)."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
