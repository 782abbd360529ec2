"""Packaging: pyproject and environment.yml agree, the README's commands are what CI runs, and an
installed wheel finds its bundled data and notebooks."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# conda names that differ from the PyPI ones
CONDA_ALIASES = {"dask[array]": "dask"}


def _requirement(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)\s*(.*)$", spec)
    name, version = match.group(1).lower(), match.group(2).replace(" ", "")
    return CONDA_ALIASES.get(name, name), version


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_requirement(s) for s in project["dependencies"])
    wanted.update(_requirement(s) for s in project["optional-dependencies"]["test"])
    text = (ROOT / "environment.yml").read_text()
    listed = dict(
        _requirement(line.strip()[2:])
        for line in text.split("dependencies:", 1)[1].splitlines()
        if line.strip().startswith("- ") and not line.strip()[2:].startswith(("python", "pip"))
    )
    assert listed == wanted
    assert "python>=3.11" in text and project["requires-python"] == ">=3.11"


def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash|console)?\n(.*?)\n```", section, flags=re.S)


def test_readme_has_exactly_two_setup_commands():
    commands = _setup_commands()
    assert len(commands) == 2, commands
    run, test = commands
    assert "\n" not in run and "\n" not in test
    assert "workbench report" in run and "pip install" in run
    assert ".[test]" in test and "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim():
    assert _setup_commands()[1] in (ROOT / ".ci" / "run").read_text()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("compute_workbench-*.whl"))


def test_wheel_carries_bundled_data_and_notebooks(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for csv in (ROOT / "data").glob("*.csv"):
        assert f"workbench/_bundled/data/{csv.name}" in names
        assert f"workbench/_bundled/data/{csv.stem}.toml" in names
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"workbench/_bundled/notebooks/{nb.name}" in names
    # What the package reads at run time besides code: the gallery template, catalogues.
    assert "workbench/reports/templates/gallery.html.j2" in names
    assert "workbench/locale/zh.toml" in names


def test_installed_package_finds_its_own_data(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import workbench.data as d; print(d.data_dir()); "
        "print(d.load('accelerators').sizes['chip'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
    )
    folder, chips = done.stdout.split()
    assert Path(folder) == target / "workbench" / "_bundled" / "data"
    assert int(chips) >= 25
