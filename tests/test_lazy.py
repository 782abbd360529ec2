"""Packages that import their names when first used (``workbench._lazy``): data and reports.

Every public name still imports as before; what a name needs is imported only when it is used.
Import state is per process, so what depends on it is checked in a fresh interpreter.
"""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

PACKAGES = ["workbench.data", "workbench.reports"]


def fresh(code: str) -> str:
    """Run ``code`` in a new interpreter; its standard output."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_comes_from_the_module_that_defines_it(name):
    package = importlib.import_module(name)
    listed = {attr for attrs in package._HOMES.values() for attr in attrs}
    assert listed == set(package.__all__)
    for module, attrs in package._HOMES.items():
        home = importlib.import_module(f"{name}.{module}")
        for attr in attrs:
            assert getattr(package, attr) is getattr(home, attr), attr


@pytest.mark.parametrize("name", PACKAGES)
def test_dir_and_star_import_list_every_public_name(name):
    package = importlib.import_module(name)
    assert set(package.__all__) <= set(dir(package))
    namespace: dict = {}
    exec(f"from {name} import *", namespace)
    assert set(package.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error_naming_it():
    from workbench import data

    with pytest.raises(AttributeError, match=r"'workbench\.data' has no attribute 'lod'"):
        data.lod  # noqa: B018
    assert not hasattr(data, "lod")


def test_submodules_are_attributes_as_before():
    from workbench import data, reports

    assert inspect.ismodule(data.table) and data.table.__name__ == "workbench.data.table"
    assert inspect.ismodule(data.metadata)
    assert inspect.ismodule(reports.history) and inspect.ismodule(reports.runner)


def test_fetch_and_describe_stay_functions_whichever_module_is_imported_first():
    # The import system binds workbench.data.fetch (the module) on the package when another
    # module imports it; the package's name means the function.
    out = fresh(
        "import inspect\n"
        "import workbench.data.fetch, workbench.data.describe\n"
        "from workbench.data.sources import check_tables\n"
        "from workbench import data\n"
        "print(inspect.isfunction(data.fetch), inspect.isfunction(data.describe))\n"
        "from workbench.data import fetch, describe\n"
        "print(fetch.__module__, describe.__module__)\n"
    )
    assert out.splitlines() == ["True True", "workbench.data.fetch workbench.data.describe"]


def test_listing_and_hashing_the_tables_imports_neither_xarray_nor_pandas():
    out = fresh(
        "import sys\n"
        "from workbench import data\n"
        "names = data.list_datasets()\n"
        "digest = data.file_sha256(data.dataset_path(names[0]))\n"
        "cached = [data.cached_path(r) for r in data.PREFERRED_REMOTE.values()]\n"
        "print(len(digest), sorted(m for m in ('xarray', 'pandas', 'numpy', 'jsonschema', "
        "'pooch') if m in sys.modules))\n"
    )
    assert out == "64 []"


def test_loading_a_table_imports_what_it_needs():
    out = fresh(
        "import sys\n"
        "from workbench import data\n"
        "ds = data.load('models')\n"
        "print(type(ds).__module__.split('.')[0], 'xarray' in sys.modules)\n"
    )
    assert out == "xarray True"
