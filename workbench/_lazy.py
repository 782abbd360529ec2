"""Packages whose public names are imported when first used (PEP 562).

``workbench.data`` and ``workbench.reports`` list each public name with the module that
defines it; ``from workbench.data import load`` imports ``workbench.data.catalog`` (and xarray)
then, and ``workbench status``, which only hashes files, never does.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping, Sequence

__all__ = ["lazy_package"]


class _LazyPackage(types.ModuleType):
    """A package some of whose functions share their module's name (``data.fetch``).

    The import system binds each submodule on its package as it is first imported; where a
    public name of the package is also a submodule's, the name means what the package
    exports (as when its ``__init__`` imported everything), so that binding is left out and
    the name stays the function whichever module imported what first.
    """

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and name in self.__dict__["_lazy_homes"]:
            return
        super().__setattr__(name, value)


def lazy_package(
    name: str, homes: Mapping[str, Sequence[str]], submodules: Sequence[str] = ()
) -> None:
    """Make package ``name`` import its public names from their modules when first used.

    Parameters
    ----------
    name
        The package (its ``__name__``); its ``__all__`` lists the names of ``homes``.
    homes
        The package's modules (relative names), each with the public names it defines.
    submodules
        Further modules reachable as attributes (``data.metadata``), as when the package's
        ``__init__`` imported them.
    """
    package = sys.modules[name]
    home = {attr: module for module, attrs in homes.items() for attr in attrs}
    reachable = {*homes, *submodules}

    def __getattr__(attr: str):
        if attr in home:
            value = getattr(importlib.import_module(f"{name}.{home[attr]}"), attr)
        elif attr in reachable:
            value = importlib.import_module(f"{name}.{attr}")
        else:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        package.__dict__[attr] = value  # later look-ups find it without coming here
        return value

    def __dir__() -> list[str]:
        return sorted({*package.__dict__, *package.__all__})

    package.__dict__.update(_lazy_homes=home, __getattr__=__getattr__, __dir__=__dir__)
    package.__class__ = _LazyPackage
