"""Parameter sweeps: ``--sweep KEY=V1,V2`` (repeatable) and the cartesian product they span.

Each combination is one report, published in ``reports/<name>/<key=value,...>/``, with the
keys in the order the sweeps were given.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from workbench.errors import ParameterError
from workbench.reports.params import format_value, parse_assignment, split_items

__all__ = ["expand_sweep", "member_folder", "parse_sweep", "sweep_values"]

# Folder names are limited to 255 bytes on common file systems; longer ones get a digest.
_MAX_FOLDER_NAME = 200
# Commas and equals signs separate the pairs, slashes would make folders: those are escaped.
_SAFE_CHARACTERS = "[]+-_.~@"


def parse_sweep(text: str) -> tuple[str, list[str]]:
    """Split ``KEY=V1,V2,...`` into the name and the values' texts (parsed later, by kind).

    Commas inside brackets or quotes do not split, so a list-valued parameter sweeps as
    ``regions=[us,eu],[cn]``.

    Examples
    --------
    >>> parse_sweep("scenario=low,base,high")
    ('scenario', ['low', 'base', 'high'])
    """
    name, raw = parse_assignment(text)
    values = split_items(raw)
    if any(not value for value in values):
        raise ParameterError(
            f"The sweep of {name!r} must list values separated by commas, such as "
            f"{name}=1,2,3; got {raw!r} instead.",
            parameter=name,
        )
    return name, values


def expand_sweep(sweep: Mapping[str, Sequence[object]]) -> list[dict[str, object]]:
    """Every combination of the swept values, the first key varying slowest.

    Examples
    --------
    >>> expand_sweep({"a": [1, 2], "b": ["x", "y"]})  # doctest: +NORMALIZE_WHITESPACE
    [{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}, {'a': 2, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    names = list(sweep)
    values = [sweep_values(name, sweep[name]) for name in names]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def sweep_values(name: str, values: object) -> list:
    """``values`` as a list, checked to be a non-empty sequence (not a string)."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise ParameterError(
            f"The sweep of {name!r} must be a non-empty list of values; got {values!r} instead.",
            parameter=name,
        )
    return list(values)


def member_folder(values: Mapping[str, object]) -> str:
    """The folder name of one sweep member: ``scenario=high,horizon=2030``.

    Characters that would split the name or make a path (``,``, ``=``, ``/`` and the like) are
    percent-escaped; a name too long for a file system keeps its start and gains a digest.

    Examples
    --------
    >>> member_folder({"scenario": "high", "horizon": 2030})
    'scenario=high,horizon=2030'
    >>> member_folder({"label": "a/b,c"})
    'label=a%2Fb%2Cc'
    """
    name = ",".join(
        f"{key}={quote(format_value(value), safe=_SAFE_CHARACTERS)}"
        for key, value in values.items()
    )
    if len(name.encode()) > _MAX_FOLDER_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        name = f"{name.encode()[: _MAX_FOLDER_NAME - 13].decode(errors='ignore')}~{digest}"
    return name
