"""The layering of docs/api.md holds: no module imports a layer it must not (read with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"
KERNEL = {"_validation", "_provenance", "_random", "_results", "_time", "_lazy"}
ANALYSES = {"data", "uncertainty", "scaling", "supply", "demand", "gap"}
FACES = {"plots", "tables", "reports", "cli"}

# layer -> layers it must never import
FORBIDDEN = {
    **{layer: FACES for layer in ANALYSES},
    "kernel": ANALYSES | FACES | {"workbench"},
    "errors": ANALYSES | FACES | {"kernel"},
    "data": ANALYSES - {"data"} | FACES,
    "supply": FACES | {"demand"},
    "demand": FACES | {"supply"},
    "reports": ANALYSES - {"data"} | {"cli"},
    "plots": ANALYSES | {"reports", "cli", "tables"},
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "workbench":
        return None
    if len(parts) == 1:
        return "workbench"
    return "kernel" if parts[1] in KERNEL else parts[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, here: str) -> set[str]:
    """Every workbench module ``tree`` imports, at any depth (relative imports resolved)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: -node.level]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            if base == "workbench":  # from workbench import data, demand
                out.update(f"workbench.{a.name}" for a in node.names)
    return {m for m in out if m.startswith("workbench.")}


def edges() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        source = layer_of(here)
        for target in imported(ast.parse(path.read_text(encoding="utf-8")), here):
            to = layer_of(target)
            if to is not None and to != source:
                found.append((here, source, to))
    return found


def test_the_parser_sees_known_edges():
    seen = {(source, to) for _, source, to in edges()}
    assert {("gap", "supply"), ("tables", "plots"), ("data", "kernel")} <= seen


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_forbidden_import(layer):
    bad = [
        f"{module} imports {to}"
        for module, source, to in edges()
        if source == layer and to in FORBIDDEN[layer]
    ]
    assert not bad, "; ".join(bad)


def test_tables_take_only_the_labels_from_plots():
    plots = {
        target
        for path in [PACKAGE / "tables.py"]
        for target in imported(ast.parse(path.read_text(encoding="utf-8")), "workbench.tables")
        if target.startswith("workbench.plots")
    }
    assert plots <= {"workbench.plots", "workbench.plots.labels"}
