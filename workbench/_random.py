"""Named random streams from one seed: each stage of an analysis draws from its own stream.

A :class:`Stream` is a seed and a name. Its random numbers come from
``numpy.random.SeedSequence(seed, spawn_key=(key(name), block))``, where ``key`` is a stable
32-bit digest of the name: two names give independent streams from the same seed, the same
name and seed always give the same numbers, and no module does arithmetic on seeds (``seed +
1`` for the next stage would make that stage share its stream with another analysis run with
the next seed).

Datasets record the streams they were drawn from in ``attrs["random_streams"]`` (labels
``name@seed`` separated by ``", "``); results built from other datasets carry their inputs'
streams on. :func:`check_independent` refuses two datasets that share a stream, which is what
pairing supply draw *i* with demand draw *i* needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from workbench._validation import check_seed, invalid
from workbench.errors import ParameterError

__all__ = [
    "STREAMS_ATTR",
    "UNNAMED",
    "Stream",
    "as_stream",
    "check_independent",
    "merge_streams",
    "stream",
    "streams_of",
]

STREAMS_ATTR = "random_streams"
UNNAMED = "unnamed"  # a bare integer seed: numpy's own stream of that seed (no name key)


@dataclass(frozen=True)
class Stream:
    """One named random stream of a seed.

    Parameters
    ----------
    seed
        The analysis' seed (a whole number >= 0).
    name
        The stage drawing from it, e.g. ``"demand.simulate"``; :data:`UNNAMED` is numpy's
        plain stream of ``seed`` (what a bare integer seed gives).

    Examples
    --------
    >>> a, b = stream(0, "supply.shipments"), stream(0, "demand.simulate")
    >>> bool(a.generator().standard_normal() == b.generator().standard_normal())
    False
    >>> a.label
    'supply.shipments@0'
    """

    seed: int
    name: str = UNNAMED

    def __post_init__(self):
        check_seed(self.seed, owner="Stream")
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError.invalid("name", "Stream", "a non-empty string", self.name)

    @property
    def key(self) -> tuple[int, ...]:
        """The spawn-key prefix of the stream: empty when unnamed, else the name's digest."""
        if self.name == UNNAMED:
            return ()
        digest = hashlib.sha256(self.name.encode("utf-8")).digest()
        return (int.from_bytes(digest[:4], "little"),)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.seed}"

    def seed_sequence(self, block: int = 0) -> np.random.SeedSequence:
        """The seed sequence of block ``block`` of the stream (blocks of draws are independent)."""
        return np.random.SeedSequence(self.seed, spawn_key=(*self.key, int(block)))

    def generator(self, block: int = 0) -> np.random.Generator:
        """A generator over block ``block`` of the stream."""
        return np.random.default_rng(self.seed_sequence(block))

    def child(self, name: str) -> Stream:
        """A sub-stream of this one (``"demand.simulate/template"``), independent of it."""
        return Stream(self.seed, f"{self.name}/{name}")


def stream(seed: int, name: str) -> Stream:
    """The stream called ``name`` of ``seed``."""
    return Stream(check_seed(seed, owner="stream"), name)


def as_stream(seed: int | Stream, name: str | None = None, *, owner: str | None = None) -> Stream:
    """A :class:`Stream` from a stream, or from an integer seed and a stage name.

    An integer with no name gives the unnamed stream of that seed. Messages name the public
    function being run (``owner`` only for callers not marked ``@public``).
    """
    if isinstance(seed, Stream):
        return seed if name is None else Stream(seed.seed, name)
    return Stream(check_seed(seed, owner=owner), name or UNNAMED)


def streams_of(attrs_or_dataset) -> frozenset[str]:
    """The stream labels a dataset records (``attrs["random_streams"]``).

    A dataset recording only an integer ``attrs["seed"]`` (made outside the workbench, or
    before streams had names) is read as the unnamed stream of that seed; one recording
    neither gives an empty set.
    """
    attrs = getattr(attrs_or_dataset, "attrs", attrs_or_dataset)
    recorded = attrs.get(STREAMS_ATTR)
    if recorded:
        return frozenset(s.strip() for s in str(recorded).split(",") if s.strip())
    seed = attrs.get("seed")
    if seed is None or (isinstance(seed, str) and not seed.lstrip("-").isdigit()):
        return frozenset()
    return frozenset({f"{UNNAMED}@{int(seed)}"})


def merge_streams(*sources: Stream | str | Iterable[str] | object) -> str:
    """One ``attrs["random_streams"]`` value from streams, labels and datasets, sorted."""
    labels: set[str] = set()
    for source in sources:
        if source is None:
            continue
        if isinstance(source, Stream):
            labels.add(source.label)
        elif isinstance(source, str):
            labels.add(source)
        elif hasattr(source, "attrs"):
            labels |= streams_of(source)
        else:
            labels |= {str(s) for s in source}
    return ", ".join(sorted(labels))


def check_independent(named: dict[str, object], *, owner: str | None = None) -> None:
    """Refuse datasets that share a random stream (their draws would be correlated).

    Parameters
    ----------
    named
        Role -> dataset (``{"supply": ..., "demand": ...}``); each must record its streams.
    owner
        The function named in the message; by default the public function being run.
    """
    found = {role: streams_of(ds) for role, ds in named.items()}
    missing = [role for role, labels in found.items() if not labels]
    if missing:
        raise invalid(
            "/".join(named),
            "datasets recording their random streams in attrs['random_streams'] (or their seed "
            "in attrs['seed']), to check that their draws are independent",
            f"none recorded by {', '.join(missing)}",
            owner=owner,
        )
    roles = list(found)
    for i, a in enumerate(roles):
        for b in roles[i + 1 :]:
            shared = sorted(found[a] & found[b])
            if shared:
                raise invalid(
                    b,
                    f"drawn from random streams other than the {a}'s (a shared stream gives "
                    "both sides the same random numbers and a spurious correlation)",
                    f"both use {', '.join(shared)}",
                    owner=owner,
                )
