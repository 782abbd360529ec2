"""Safety of the report system (issue 11): each case as the issue states it.

Nothing is written outside the output folder or over a source; a parameter value is data,
never code; bad input gets one workbench error before any kernel starts; a killed run leaves
nothing behind that the next run trusts. Tests are named after the issue's item numbers.
"""

from __future__ import annotations

import ast
import math
import os
from pathlib import Path

import pytest
from fixtures.notebooks.workspace import make_workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import ParameterError
from workbench.reports.params import KINDS, check_parameters, inspect_parameters, python_literal

NOTEBOOKS = Path(__file__).resolve().parent / "fixtures" / "notebooks"
# The payload: a bytes literal whose text closes papermill's quotes and calls os.system.
PAYLOAD = 'opts={\'a\': b\'" + str(__import__("os").system("touch X")) + "\'}'


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("safety"), notebooks=("echo",))


@pytest.fixture(scope="module")
def echo_parameters():
    return inspect_parameters(NOTEBOOKS / "echo.ipynb")


# -- 7. a parameter value is data, never code ---------------------------------------------


def test_7_a_bytes_payload_in_a_dict_parameter_runs_no_code(workspace):
    value = PAYLOAD.partition("=")[2]
    result = workspace.report("echo", "-p", f"weights={value}")
    assert not list(workspace.root.rglob("X")), "the payload ran"
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The 'weights' parameter of report 'echo' must be" in result.stderr
    assert "bytes values are not accepted" in result.stderr
    assert not workspace.out.exists() or "echo" not in os.listdir(workspace.out)


@pytest.mark.parametrize("name", ["weights", "anything", "years"])
@pytest.mark.parametrize(
    "value",
    [
        "{'a': b'x'}",
        "{'a': (1, 2)}",
        "{'a': {1, 2}}",
        "{'a': 1j}",
        "[{'a': b'\" + str(1) + \"'}]",
    ],
)
def test_7_non_json_values_are_refused_for_dict_list_and_any(echo_parameters, name, value):
    if name == "years":  # a list of ints: give the dict as an item of a list
        value = f"[{value}]" if not value.startswith("[") else value
    elif value.startswith("["):
        value = value[1:-1]
    with pytest.raises(ParameterError, match=f"The '{name}' parameter of report 'echo'"):
        check_parameters("echo", echo_parameters, {name: value}, text=True)


def test_7_typed_values_from_a_batch_file_are_json_types_only(echo_parameters):
    import datetime

    with pytest.raises(ParameterError, match="date values are not accepted"):
        check_parameters("echo", echo_parameters, {"anything": datetime.date(2030, 1, 1)})
    with pytest.raises(ParameterError, match="tuple values are not accepted"):
        check_parameters("echo", echo_parameters, {"weights": {"a": (1, 2)}})


def _only_literals(source: str) -> bool:
    """Whether ``source`` is assignments of literals (``float('nan')`` counts as one)."""
    tree = ast.parse(source)
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
            return False
        for node in ast.walk(statement.value):
            if isinstance(node, ast.Call):
                special = (
                    isinstance(node.func, ast.Name)
                    and node.func.id == "float"
                    and len(node.args) == 1
                    and not node.keywords
                    and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value in ("inf", "-inf", "nan")
                )
                if not special:
                    return False
        try:
            ast.literal_eval(_without_special_floats(statement.value))
        except ValueError:
            return False
    return True


def _without_special_floats(node: ast.AST) -> ast.AST:
    class Replace(ast.NodeTransformer):
        def visit_Call(self, call):
            return ast.Constant(0.0)

    return Replace().visit(node)


# Text a hostile user might give: Python literals of every type (bytes, tuples, sets, complex)
# as text, quotes and backslashes, and anything at all.
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.complex_numbers()
    | st.text(max_size=8)
    | st.binary(max_size=8)
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.frozensets(st.integers() | st.text(max_size=4), max_size=3)
        | st.dictionaries(st.text(max_size=4) | st.integers(), children, max_size=3)
    ),
    max_leaves=8,
)
_TEXT = st.text() | _VALUES.map(repr) | st.text(alphabet="{}[]()'\"\\b:,+ =#\nx1", max_size=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, kind=st.sampled_from(KINDS))
def test_7_any_text_is_refused_or_injected_as_literals_only(text, kind):
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from workbench.reports import runner

    declared = {"value": _declared(kind)}
    try:
        checked = check_parameters("fuzz", declared, {"value": text}, text=True)
    except ParameterError:
        return
    notebook = parameterize_notebook(
        load_notebook_node(str(NOTEBOOKS / "echo.ipynb")),
        checked,
        kernel_name=runner._KERNEL_NAME,
        language="python",
    )
    (injected,) = [c for c in notebook.cells if "injected-parameters" in c.metadata.tags]
    assert _only_literals(injected.source), injected.source
    namespace: dict = {}
    exec(
        compile(injected.source, "<injected>", "exec"),
        {"__builtins__": {"float": float}},
        namespace,
    )
    assert _same(namespace["value"], checked["value"])


def _declared(kind):
    from workbench.reports.params import NotebookParameter

    return NotebookParameter(name="value", kind=kind, default="None")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_7_python_literal_refuses_what_is_not_data():
    assert python_literal({"a": [1, "x\"'\\", None]}) == "{'a': [1, 'x\"\\'\\\\', None]}"
    for value in (b"x", (1,), {1}, 1j, object()):
        with pytest.raises(ValueError, match="values are not accepted"):
            python_literal(value)


# -- 8. dict keys are strings -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["{1: 2}", "{1: 2, 'x': 3}"])
def test_8_non_string_dict_keys_are_refused(echo_parameters, value):
    with pytest.raises(ParameterError, match="keys must be strings; got the key 1"):
        check_parameters("echo", echo_parameters, {"weights": value}, text=True)
