"""Report parameters: declared kinds, -p parsing rules and the messages for bad values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import ParameterError, ReportError
from workbench.reports.params import (
    NotebookParameter,
    check_parameters,
    format_value,
    inspect_parameters,
    parse_assignment,
    parse_text,
    split_items,
)

NOTEBOOKS = Path(__file__).resolve().parent / "fixtures" / "notebooks"


@pytest.fixture(scope="module")
def echo_parameters():
    return inspect_parameters(NOTEBOOKS / "echo.ipynb")


def test_inspection_gives_kinds_from_annotations_and_defaults(echo_parameters):
    kinds = {name: p.type_name for name, p in echo_parameters.items()}
    assert kinds == {
        "count": "int",
        "ratio": "float",
        "enabled": "bool",
        "label": "str",
        "years": "list[int]",
        "names": "list[str]",
        "weights": "dict",
        "anything": "any",
        "sleep_s": "float",
        "marker": "str",
        "fail": "bool",
    }
    assert echo_parameters["count"].default == "3"
    assert echo_parameters["count"].help == "how many"
    assert echo_parameters["count"].describe() == "count: int = 3  # how many"


def test_a_notebook_without_parameters_cell_declares_none():
    assert inspect_parameters(NOTEBOOKS / "broken.ipynb") == {}


def test_an_unreadable_notebook_is_a_report_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(ReportError, match="cannot read the parameters of notebook"):
        inspect_parameters(bad)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("2030", "int", 2030),
        ("-3", "int", -3),
        ("1_000", "int", 1000),
        (" 7 ", "int", 7),
        ("0.5", "float", 0.5),
        ("2030", "float", 2030.0),
        ("1e9", "float", 1e9),
        ("-inf", "float", -math.inf),
        ("true", "bool", True),
        ("False", "bool", False),
        ("yes", "bool", True),
        ("off", "bool", False),
        ("1", "bool", True),
        ("2030", "str", "2030"),
        ("hello world", "str", "hello world"),
        ("'quoted, kept'", "str", "quoted, kept"),
        ('"a"', "str", "a"),
        ("[1, 2]", "list", [1, 2]),
        ("low,high", "list", ["low", "high"]),
        ("[]", "list", []),
        ('{"a": 1, "b": true}', "dict", {"a": 1, "b": True}),
        ("{'a': 1}", "dict", {"a": 1}),
        ("true", "any", True),
        ("none", "any", None),
        ("42", "any", 42),
        ("4.2", "any", 4.2),
        ("1e3", "any", 1000.0),
        ("inf", "any", "inf"),
        ("[a, 'b,c', 3]", "any", ["a", "b,c", 3]),
        ("text", "any", "text"),
        ("'42'", "any", "42"),
    ],
)
def test_parse_text_rules(text, kind, expected):
    assert parse_text(text, kind) == expected


def test_list_items_parse_by_item_kind():
    assert parse_text("2025,2030", "list", "int") == [2025, 2030]
    assert parse_text("[1, 2]", "list", "str") == ["1", "2"]
    assert parse_text("[0.5, 1]", "list", "float") == [0.5, 1.0]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("2.5", "int"), ("ten", "int"), ("1e3", "int"), ("abc", "float"), ("maybe", "bool")],
)
def test_text_that_does_not_parse_to_the_kind_is_refused(text, kind):
    with pytest.raises(ValueError):
        parse_text(text, kind)


def test_check_parameters_converts_by_declared_kind(echo_parameters):
    checked = check_parameters(
        "echo",
        echo_parameters,
        {"count": "7", "ratio": "1", "years": "2020,2021", "label": "2030", "anything": "[1]"},
        text=True,
    )
    assert checked == {"count": 7, "ratio": 1.0, "years": [2020, 2021], "label": "2030"} | {
        "anything": [1]
    }


def test_typed_values_are_checked_not_converted(echo_parameters):
    checked = check_parameters("echo", echo_parameters, {"ratio": 2, "years": [1, 2]})
    assert checked == {"ratio": 2.0, "years": [1, 2]}
    assert isinstance(checked["ratio"], float)
    with pytest.raises(ParameterError, match="must be a string; got 2030 instead"):
        check_parameters("echo", echo_parameters, {"label": 2030})
    with pytest.raises(ParameterError, match="must be an integer; got True instead"):
        check_parameters("echo", echo_parameters, {"count": True})
    with pytest.raises(ParameterError, match="must be an integer; got '7' instead"):
        check_parameters("echo", echo_parameters, {"count": "7"})
    assert check_parameters("echo", echo_parameters, {"anything": "[1]"}) == {"anything": "[1]"}


def test_unknown_parameter_lists_valid_ones_with_defaults(echo_parameters):
    with pytest.raises(ParameterError) as caught:
        check_parameters("echo", echo_parameters, {"cuont": "3"}, text=True)
    message = str(caught.value)
    assert "Unknown parameter 'cuont' for report 'echo' (did you mean 'count'?)" in message
    assert "Parameters of report 'echo' (with defaults):" in message
    assert "  count: int = 3  # how many" in message
    assert "  years: list[int] = [2025, 2030]" in message
    assert caught.value.parameter == "cuont"


def test_value_of_wrong_kind_names_parameter_and_report(echo_parameters):
    with pytest.raises(ParameterError) as caught:
        check_parameters("echo", echo_parameters, {"count": "2.5"}, text=True)
    assert str(caught.value).startswith(
        "The 'count' parameter of report 'echo' must be an integer; got '2.5' instead."
    )
    assert "ratio: float = 0.5" in str(caught.value)
    with pytest.raises(ParameterError, match=r"must be a list .* of int items; got 'a,b'"):
        check_parameters("echo", echo_parameters, {"years": "a,b"}, text=True)


def test_a_notebook_without_parameters_says_so():
    with pytest.raises(ParameterError, match="declares no parameters"):
        check_parameters("broken", {}, {"x": "1"})


@pytest.mark.parametrize("text", ["novalue", "=3", "1x=2", "a b=1"])
def test_assignment_needs_key_equals_value(text):
    with pytest.raises(ParameterError, match="KEY=VALUE"):
        parse_assignment(text)


def test_assignment_keeps_equals_signs_in_the_value():
    assert parse_assignment("formula=a=b") == ("formula", "a=b")
    assert parse_assignment("empty=") == ("empty", "")


def test_split_items_respects_brackets_and_quotes():
    assert split_items("[1,2],[3]") == ["[1,2]", "[3]"]
    assert split_items('"a,b",c') == ['"a,b"', "c"]
    assert split_items("{'k': [1, 2]}, x") == ["{'k': [1, 2]}", "x"]


def test_format_value_is_short_and_stable():
    assert [format_value(v) for v in (True, None, 3, 0.5, "x", [1, "a"], {"b": 1, "a": 2})] == [
        "true",
        "none",
        "3",
        "0.5",
        "x",
        "[1,a]",
        '{"a":2,"b":1}',
    ]


def test_kind_from_annotation_beats_default():
    parameter = NotebookParameter(name="n", kind="float", default="3")
    assert check_parameters("r", {"n": parameter}, {"n": "3"}, text=True) == {"n": 3.0}


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("[]{}()'\",=:-+._eE01 9azTtrufl\\")), max_size=40)
    | st.text(max_size=20),
    kind=st.sampled_from(["int", "float", "bool", "str", "list", "dict", "any"]),
)
def test_any_text_parses_or_is_refused_with_a_parameter_error(echo_parameters, text, kind):
    declared = {"x": NotebookParameter(name="x", kind=kind, default="None")}
    try:
        value = check_parameters("fuzz", declared, {"x": text}, text=True)["x"]
    except ParameterError as exc:
        assert "The 'x' parameter of report 'fuzz' must be" in str(exc)
    else:
        assert kind in ("any", "str", "list", "dict") or isinstance(value, int | float | bool)


def test_deeply_nested_text_is_refused_not_crashing(echo_parameters):
    with pytest.raises(ParameterError):
        check_parameters("deep", {"x": echo_parameters["years"]}, {"x": "[" * 5000}, text=True)
    for kind in ("any", "list", "dict"):
        declared = {"x": NotebookParameter(name="x", kind=kind, default="None")}
        with pytest.raises(ParameterError):
            check_parameters("deep", declared, {"x": "[" * 3000 + "]" * 3000}, text=True)


def test_assignments_papermill_cannot_parse_are_recovered(tmp_path, caplog):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cell = new_code_cell(
        'scenario = "base"  # bear, base or bull\n'
        "active_share = 1.0  # share active per token (1 = dense)\n"
        "horizon: int = 2030\n",
        metadata={"tags": ["parameters"]},
    )
    path = tmp_path / "n.ipynb"
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=[cell], metadata={"kernelspec": kernelspec}), path)
    declared = inspect_parameters(path)
    assert list(declared) == ["scenario", "active_share", "horizon"]
    assert declared["active_share"].describe() == (
        "active_share: float = 1.0  # share active per token (1 = dense)"
    )
    assert declared["horizon"].kind == "int"
    assert "Unable to parse" not in caplog.text


# --- choices declared in the parameters cell ------------------------------------------------


def _declared(help_text, kind="str", default='"base"'):
    return {"scenario": NotebookParameter("scenario", kind, default, help_text)}


def test_choices_are_read_from_the_end_of_the_comment():
    p = _declared("demand scenario [one of: bear, base, bull; or a .csv path]")["scenario"]
    assert p.choices == (("bear", "base", "bull"), ".csv")
    p = _declared("supply side [one of: world, china, rest of world]")["scenario"]
    assert p.choices == (("world", "china", "rest of world"), None)
    assert _declared("bear, base or bull")["scenario"].choices is None  # prose only: no rule
    assert _declared("[one of: a, b]", kind="int", default="1")["scenario"].choices is None


def test_a_value_outside_the_choices_is_refused_with_a_suggestion_and_the_full_message():
    declared = _declared("demand scenario [one of: bear, base, bull; or a .csv path]")
    with pytest.raises(ParameterError) as info:
        check_parameters("compute_outlook", declared, {"scenario": "bul"}, text=True)
    message = str(info.value)
    assert (
        "The 'scenario' parameter of report 'compute_outlook' must be one of 'bear', 'base', "
        "'bull', or a path ending .csv; got 'bul' instead. (did you mean 'bull'?)"
    ) in message
    assert (
        "Parameters of report 'compute_outlook'" in message and info.value.parameter == "scenario"
    )
    # Typed values (reports.toml) are held to the same choices.
    with pytest.raises(ParameterError, match="did you mean 'bear'"):
        check_parameters("compute_outlook", declared, {"scenario": "beer"})


def test_a_choice_or_a_path_of_the_declared_suffix_passes():
    declared = _declared("demand scenario [one of: bear, base, bull; or a .csv path]")
    assert check_parameters("r", declared, {"scenario": "bull"}, text=True) == {"scenario": "bull"}
    mine = {"scenario": "my/scenario.CSV"}
    assert check_parameters("r", declared, mine, text=True) == mine
    strict = _declared("[one of: world, china, rest of world]")
    with pytest.raises(ParameterError, match="one of 'world', 'china', 'rest of world'; got"):
        check_parameters("r", strict, {"scenario": "x.csv"}, text=True)


def test_the_bundled_notebooks_declare_their_choices():
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    expected = {
        "compute_outlook": {"scenario", "cooling", "region"},
        "inference_demand": {"scenario", "token_model", "cooling"},
        "chip_supply": {"vendor", "forecast_method"},
        "data_overview": {"color_models_by", "precision"},
        "scaling_laws": {"frontier_method"},
    }
    for name, names in expected.items():
        names = names | {"lang"}  # every bundled report builds in English and Chinese
        declared = inspect_parameters(folder / f"{name}.ipynb")
        assert {n for n, p in declared.items() if p.choices} == names, name
        for n in names:  # each default is one of its own choices
            value = declared[n].default.strip("\"'")
            assert value in declared[n].choices[0], (name, n)


def test_a_renamed_parameter_keeps_its_old_name_for_one_release(caplog):
    # compute_outlook's `end` was `horizon`: `-p horizon=2035` still sets it, with a message.
    declared = {
        "end": NotebookParameter(
            "end", "int", "2030", "last year of the outlook (formerly horizon)"
        )
    }
    assert declared["end"].formerly == ("horizon",)
    with pytest.warns(DeprecationWarning, match="'horizon' parameter of report 'o' is now"):
        assert check_parameters("o", declared, {"horizon": "2035"}, text=True) == {"end": 2035}
    assert "now called 'end'" in caplog.text
    with pytest.raises(ParameterError, match="old name of 'end'"):
        check_parameters("o", declared, {"horizon": 2035, "end": 2030})
    assert check_parameters("o", declared, {"end": 2031}) == {"end": 2031}


def test_the_outlook_notebook_declares_end_formerly_horizon():
    notebook = NOTEBOOKS.parents[2] / "notebooks" / "compute_outlook.ipynb"
    declared = inspect_parameters(notebook)
    assert "horizon" not in declared and declared["end"].formerly == ("horizon",)


def test_papermill_reads_every_bundled_notebook_s_parameters_as_we_do(caplog):
    # papermill parses the parameters cell itself (to list and type parameters); a comment
    # holding "=" ("(1 = dense, ...)") made it skip active_share and log a warning on every
    # run of inference_demand with parameters.
    import nbformat
    from papermill.translators import PythonTranslator

    from workbench.reports.notebooks import list_notebooks, notebooks_dir

    for name in list_notebooks(notebooks_dir()):
        path = notebooks_dir() / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
        with caplog.at_level("WARNING", logger="papermill"):
            theirs = [p.name for p in PythonTranslator.inspect(cell)]
        assert theirs == list(inspect_parameters(path)), name
    assert not [r for r in caplog.records if r.name.startswith("papermill")]
