"""Safety of the report system (issue 11): each case as the issue states it.

Nothing is written outside the output folder or over a source; a parameter value is data,
never code; bad input gets one workbench error before any kernel starts; a killed run leaves
nothing behind that the next run trusts. Tests are named after the issue's item numbers.
"""

from __future__ import annotations

import ast
import math
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.notebooks.workspace import make_workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import ParameterError
from workbench.reports.params import KINDS, check_parameters, inspect_parameters

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
    assert result.returncode == 2, result.stdout + result.stderr
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
    from workbench.reports.params import python_literal

    assert python_literal({"a": [1, "x\"'\\", None]}) == "{'a': [1, 'x\"\\'\\\\', None]}"
    for value in (b"x", (1,), {1}, 1j, object()):
        with pytest.raises(ValueError, match="values are not accepted"):
            python_literal(value)


# -- 8. dict keys are strings -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["{1: 2}", "{1: 2, 'x': 3}"])
def test_8_non_string_dict_keys_are_refused(echo_parameters, value):
    with pytest.raises(ParameterError, match="keys must be strings; got the key 1"):
        check_parameters("echo", echo_parameters, {"weights": value}, text=True)


# -- 1-6. nothing is written outside the output folder or over a source -----------------------


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links followed) with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_1_a_notebook_inside_its_own_report_folder_is_never_written(workspace, tmp_path):
    (tmp_path / "proj" / "analysis").mkdir(parents=True)
    source = tmp_path / "proj" / "analysis" / "analysis.ipynb"
    source.write_bytes((NOTEBOOKS / "echo.ipynb").read_bytes())
    before = source.read_bytes()
    result = workspace.report(str(source), out=tmp_path / "proj")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is not a workbench reports folder" in result.stderr  # proj holds other files
    # Even in a folder marked as a reports folder, the source is refused, not replaced.
    (tmp_path / "proj" / ".workbench-reports").touch()
    result = workspace.report(str(source), out=tmp_path / "proj")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is inside the folder of its own report 'analysis'" in result.stderr
    assert not source.is_symlink() and source.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "proj").iterdir()) == [
        ".workbench-reports",
        "analysis",
    ]
    assert [p.name for p in (tmp_path / "proj" / "analysis").iterdir()] == ["analysis.ipynb"]


def test_1_publishing_never_replaces_a_file_it_did_not_make(tmp_path):
    from workbench.errors import ReportError
    from workbench.reports.publish import ReportFolder

    folder = ReportFolder(tmp_path / "notes", "notes")
    folder.prepare()
    (tmp_path / "notes" / "notes.ipynb").write_text("my notes")
    build = folder.new_build()
    for name in folder.published_names:
        (build / name).write_text("built")
    with pytest.raises(ReportError, match="it is a file, not a link made by the workbench"):
        folder.publish(build)
    assert (tmp_path / "notes" / "notes.ipynb").read_text() == "my notes"


@pytest.mark.parametrize("name", ["../victim", "/abs/notes", "a/b", "..", ".hidden", "", "a\\b"])
def test_2_report_names_in_a_batch_file_are_plain_names(workspace, tmp_path, name):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "manifest.json").write_text("mine")
    config = tmp_path / "batch" / "reports.toml"
    config.parent.mkdir()
    config.write_text(
        f'[settings]\nout = "out"\n\n[reports."{name}"]\nnotebook = "echo"\n'.replace("\\", "\\\\")
    )
    before = _tree(tmp_path)
    result = workspace.report("--config", str(config), out=tmp_path / "batch" / "out")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is not a plain name" in result.stderr
    assert str(config) in result.stderr
    assert _tree(tmp_path) == before, "nothing is written anywhere"
    assert not (tmp_path / "batch" / "out").exists()


def test_2_an_absolute_report_name_overwrites_nothing(workspace, tmp_path):
    notes = tmp_path / "abs"
    notes.mkdir()
    (notes / "notes.ipynb").write_text("my notebook")
    (notes / "notes.html").write_text("my page")
    config = tmp_path / "reports.toml"
    config.write_text(f'[reports."{notes / "notes"}"]\nnotebook = "echo"\n')
    result = workspace.report("--config", str(config), out=tmp_path / "out")
    assert result.returncode == 2
    assert "built" not in result.stdout
    assert (notes / "notes.ipynb").read_text() == "my notebook"
    assert (notes / "notes.html").read_text() == "my page"


def test_2_report_names_from_python_are_checked_too(workspace, tmp_path):
    from workbench.errors import ReportError
    from workbench.reports import ReportRequest, plan

    request = ReportRequest("../victim", workspace.notebooks / "echo.ipynb")
    with pytest.raises(ReportError, match=r"report name '\.\./victim' is not a plain name"):
        plan([request], tmp_path / "out")


def test_3_a_notebook_named_dot_dot_ipynb_publishes_nowhere(workspace, tmp_path):
    source = tmp_path / "nb" / "...ipynb"
    source.parent.mkdir()
    source.write_bytes((NOTEBOOKS / "echo.ipynb").read_bytes())
    out = tmp_path / "proj" / "out"
    out.parent.mkdir()
    result = workspace.report(str(source), out=out)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "report name '..' is not a plain name (it starts with a dot)" in result.stderr
    assert list((tmp_path / "proj").iterdir()) == []


def test_4_an_existing_folder_that_is_not_a_reports_folder_is_refused(workspace, tmp_path):
    folder = tmp_path / "website"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>my home page</h1>")
    (folder / "summary.json").write_text('{"mine": true}')
    result = workspace.report("echo", out=folder)
    assert result.returncode == 2
    assert f"{folder} is not empty and is not a workbench reports folder" in result.stderr
    assert f"create the file {folder / '.workbench-reports'}" in result.stderr
    assert _tree(folder) == {
        "index.html": b"<h1>my home page</h1>",
        "summary.json": b'{"mine": true}',
    }


def test_4_a_new_folder_is_marked_and_then_accepted(tmp_path):
    from workbench.reports.output import check_output_folder, claim_output_folder

    out = tmp_path / "reports"
    assert claim_output_folder(out) == out.resolve()
    assert (out / ".workbench-reports").is_file()
    (out / "anything").write_text("x")
    assert check_output_folder(out) == out.resolve()


def test_4_a_folder_holding_only_a_cron_log_is_accepted(tmp_path):
    from workbench.reports.output import check_output_folder

    out = tmp_path / "reports"
    out.mkdir()
    (out / "cron.log").write_text("the shell made me before the first run\n")
    assert check_output_folder(out) == out.resolve()


def test_5_out_on_a_symlink_loop_is_one_workbench_error(workspace, tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    result = workspace.report("echo", out=loop)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot use {loop} as the reports folder: it is a loop")
    assert "Traceback" not in result.stderr


def test_5_out_on_a_regular_file_is_one_workbench_error(workspace, tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("keep me")
    result = workspace.report("echo", out=path)
    assert result.returncode == 2
    assert f"cannot use {path} as the reports folder: it is a file, not a folder" in result.stderr
    assert "File exists" not in result.stderr
    assert path.read_text() == "keep me"
    inside = path / "reports"
    result = workspace.report("echo", out=inside)
    assert f"cannot use {inside} as the reports folder: {path} is a file" in result.stderr


def _as_unprivileged(command: list[str]) -> list[str]:
    """``command`` without root's right to write anywhere (skips when that cannot be done)."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]


def test_6_a_read_only_report_folder_fails_before_its_kernel_starts(tmp_path):
    import json
    import subprocess

    workspace = make_workspace(tmp_path, notebooks=("echo",))
    assert workspace.report("echo").returncode == 0
    folder = workspace.published("echo")
    marker = tmp_path / "kernel-started"
    mode = folder.stat().st_mode
    folder.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        command = _as_unprivileged(workspace.command("echo", "--force", "-p", f"marker={marker}"))
        result = subprocess.run(
            command,
            env=workspace.environment(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(mode)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"cannot write report 'echo' in {folder}: Permission denied" in result.stdout
    assert not marker.exists(), "the notebook ran although its folder was read-only"
    summary = json.loads((workspace.out / "summary.json").read_text())
    assert [r["status"] for r in summary["reports"]] == ["failed"]
    page = (workspace.out / "index.html").read_text()
    assert '<span class="status failed">failed</span>' in page
    assert '<span class="status ok">' not in page
    assert "cannot write report" in page


# -- 21. temporaries of killed runs are cleaned ------------------------------------------------


def test_21_a_summary_temporary_left_by_a_killed_run_is_removed(workspace, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    assert workspace.report("echo", out=out).returncode == 0
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    stale = out / f".summary.json.{dead}.tmp"
    stale.write_text('{"half": ')
    alive = out / f".index.html.{os.getpid()}.tmp"  # a live run may be writing this one
    alive.write_text("<html")
    result = workspace.report("echo", out=out)
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert alive.exists()


# -- 16. a damaged manifest that is valid JSON means "rebuild" ---------------------------------


def test_16_a_manifest_with_fields_of_the_wrong_type_is_rebuilt(tmp_path):
    import json

    workspace = make_workspace(tmp_path, notebooks=("echo",))
    assert workspace.report("echo").returncode == 0
    manifest_path = workspace.published("echo") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.update(duration_s="abc", parameters="x")
    manifest_path.write_text(json.dumps(manifest))
    result = workspace.report("echo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "manifest.json is damaged ('parameters' is 'x')" in result.stderr
    assert "rebuilding report 'echo'" in result.stderr
    assert "echo … built in" in result.stdout
    again = workspace.report("echo")  # and later runs into the folder work
    assert again.returncode == 0, again.stdout + again.stderr
    assert "echo … up to date" in again.stdout


@pytest.mark.parametrize(
    ("field", "value"),
    [("duration_s", "abc"), ("parameters", "x"), ("no_input", "yes"), ("status", "great")],
)
def test_16_read_manifest_refuses_damaged_fields(tmp_path, field, value):
    import json

    from workbench.errors import ReportError
    from workbench.reports.gallery import collect_entries, write_gallery
    from workbench.reports.manifest import read_manifest

    content = {"report": "r", "notebook": "n", "status": "ok", "key": "k", field: value}
    (tmp_path / "manifest.json").write_text(json.dumps(content))
    with pytest.raises(ReportError, match="is damaged"):
        read_manifest(tmp_path)
    (tmp_path / "out" / "r" / ".builds" / "b").mkdir(parents=True)
    (tmp_path / "out" / "r" / ".current").symlink_to(".builds/b")
    (tmp_path / "out" / "r" / "manifest.json").write_text(json.dumps(content))
    write_gallery(tmp_path / "out")  # no crash: the report shows as unknown
    assert [e.status for e in collect_entries(tmp_path / "out")] == ["unknown"]


# -- 17. a scheduler address that is not one is a ParameterError -------------------------------


@pytest.mark.parametrize("address", ["garbage", "http://10.0.0.5:8786", "tcp://[::1", "tcp://h"])
def test_17_a_bad_scheduler_address_is_a_parameter_error(workspace, address):
    from workbench.reports import check_scheduler, plan, requests_for, run_tasks

    with pytest.raises(ParameterError, match="The 'scheduler' parameter of workbench report"):
        check_scheduler(address)
    result = workspace.report("echo", "--scheduler", address)
    assert result.returncode == 2
    assert result.stderr.startswith("error: The 'scheduler' parameter of workbench report must")
    assert "Traceback" not in result.stderr and "ValueError" not in result.stderr
    tasks = plan(requests_for(["echo"], folder=workspace.notebooks), workspace.out)
    with pytest.raises(ParameterError):
        run_tasks(tasks, scheduler=address)


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://[::1]:8786"])
def test_17_scheduler_addresses_dask_takes_are_accepted(address):
    from workbench.reports import check_scheduler

    assert check_scheduler(address) == address


# -- 20. workers die with their parent ---------------------------------------------------------


def _processes_with(token: str) -> list[int]:
    """Pids of live processes whose environment holds ``token``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if token.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_20_sigkill_of_a_parallel_sweep_leaves_no_worker_and_the_next_run_completes(tmp_path):
    import secrets
    import signal
    import subprocess
    import time

    workspace = make_workspace(tmp_path, notebooks=("echo",))
    token = f"WORKBENCH_TEST_TOKEN=sweep-{secrets.token_hex(8)}"
    environment = {**workspace.environment(), token.split("=")[0]: token.split("=")[1]}
    marker = tmp_path / "kernel-is-running"
    args = ("echo", "--sweep", "label=a,b", "--jobs", "2", "-p", f"marker={marker}")
    run = subprocess.Popen(
        workspace.command(*args, "-p", "sleep_s=120"),
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert run.poll() is None, "the run ended early"
            assert time.monotonic() < deadline, "no kernel started"
            time.sleep(0.1)
        children = [pid for pid in _processes_with(token) if pid != run.pid]
        assert len(children) >= 3, children  # two workers and at least one kernel
        os.kill(run.pid, signal.SIGKILL)  # the parent alone, as the OOM killer would
        run.wait()
        deadline = time.monotonic() + 10
        while _processes_with(token) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _processes_with(token)
    finally:
        for pid in _processes_with(token):  # never leave a process behind, even on failure
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert left == [], f"processes outlived their parent: {left}"
    again = workspace.report(*args, timeout=180)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 built, 0 up to date, 0 failed" in again.stdout


# -- 18, 22, 23: kernels that die, notebooks that print too much, reproducible builds ----------


def _write_notebook(folder: Path, name: str, parameters: str, *sources: str) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [new_markdown_cell(f"# {name}"), new_code_cell(parameters)]
    cells[1].metadata["tags"] = ["parameters"]
    cells += [new_code_cell(source) for source in sources]
    notebook = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    nbformat.write(notebook, folder / f"{name}.ipynb")


def test_18_a_kernel_that_dies_says_so(tmp_path):
    import re

    workspace = make_workspace(tmp_path, notebooks=())
    _write_notebook(
        workspace.notebooks,
        "greedy",
        "n_draws = 10",
        "import os\nimport signal",
        "os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would",
    )
    result = workspace.report("greedy")
    assert result.returncode == 1, result.stdout + result.stderr
    # The cell is In [3], or "cell 4" when the kernel died before it numbered the cell.
    assert re.search(
        r"report 'greedy' failed at (In \[3\]|cell 4) \(os\.kill\(os\.getpid\(\), "
        r"signal\.SIGKILL\)  # as the kernel's OOM killer would\): the kernel died \(killed "
        r"by signal 9 \(SIGKILL\)\); the system stops a process this way when the machine "
        r"runs out of memory",
        result.stdout,
    ), result.stdout


def test_22_a_cell_that_prints_too_much_is_cut_with_a_note(tmp_path):
    import nbformat

    workspace = make_workspace(tmp_path, notebooks=())
    _write_notebook(
        workspace.notebooks,
        "loud",
        "megabytes = 8",
        "import sys\nfor _ in range(megabytes * 10):\n    sys.stdout.write('x' * 99_999 + '\\n')",
        "print('the next cell has its own allowance')",
    )
    result = workspace.report("loud", "--max-output", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    folder = workspace.published("loud")
    assert (folder / "loud.ipynb").stat().st_size < 1_100_000
    assert (folder / "loud.html").stat().st_size < 1_400_000
    cells = nbformat.read(folder / "loud.ipynb", as_version=4).cells
    printed, note = cells[2].outputs
    assert len(printed.text) == 1_000_000
    assert note.name == "stderr"
    assert "output cut here: 7 MB more of this cell's output was dropped" in note.text
    assert "each cell keeps 1 MB (--max-output)" in note.text
    assert cells[3].outputs[0].text == "the next cell has its own allowance\n"
    assert "output cut here" in (folder / "loud.html").read_text()
    # A larger limit is another report, not a cache hit.
    again = workspace.report("loud", "--max-output", "20")
    assert "loud … built in" in again.stdout
    cells = nbformat.read(folder / "loud.ipynb", as_version=4).cells
    assert len(cells[2].outputs) == 1 and len(cells[2].outputs[0].text) == 8_000_000


def _without_times(notebook: dict) -> dict:
    """The notebook with its timestamps and durations removed (they differ between runs)."""
    if isinstance(notebook, dict):
        return {
            key: _without_times(value)
            for key, value in notebook.items()
            if key not in ("start_time", "end_time", "duration", "execution")
        }
    if isinstance(notebook, list):
        return [_without_times(item) for item in notebook]
    return notebook


def test_23_two_builds_of_one_report_are_byte_identical_apart_from_times(tmp_path):
    import json
    import re

    workspace = make_workspace(tmp_path, notebooks=())
    _write_notebook(
        workspace.notebooks,
        "styled",
        "label = 'x'",
        "import pandas as pd\nclass Thing:\n    pass\nprint(Thing())\nThing()",
        "pd.DataFrame({'share': [0.25, 0.5]}).style.format('{:.0%}')",
        "pd.DataFrame({'share': [0.75]}).style.format('{:.1%}')",
    )
    builds = []
    for _ in range(2):
        result = workspace.report("styled", "-p", "label=same", "--force")
        assert result.returncode == 0, result.stdout + result.stderr
        builds.append((workspace.published("styled") / "styled.ipynb").read_text())
    first, second = (json.loads(text) for text in builds)
    assert _without_times(first) == _without_times(second)
    times = re.compile(r'"(start_time|end_time|duration)": [^,\n]+|"(iopub|shell)\.[^"]+": "[^"]+"')
    assert times.sub("", builds[0]) == times.sub("", builds[1])
    assert not re.search(r" at 0x[0-9a-f]+", builds[0])
    assert '"id": "injected-parameters"' in builds[0]
    assert "T_wb1_row0_col0" in builds[0] and "T_wb2_row0_col0" in builds[0]


# -- 18. sizes are bounded where they are declared -------------------------------------------


def test_18_n_draws_of_10_to_the_12_is_refused_before_a_kernel_starts(tmp_path):
    out = tmp_path / "reports"
    command = [sys.executable, "-m", "workbench.cli", "report", "compute_outlook"]
    result = subprocess.run(
        [*command, "-p", f"n_draws={10**12}", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "error: The 'n_draws' parameter of report 'compute_outlook' must be between 100 and "
        "10_000_000; got 1000000000000 instead." in result.stderr
    )
    assert not out.exists(), "refused at the plan: nothing was written"


def test_18_a_size_needing_more_memory_than_the_machine_has_is_refused(monkeypatch):
    from workbench.reports import params

    declared = {
        "n_draws": params.NotebookParameter(
            "n_draws", "int", "10_000", help="Monte Carlo draws [100, 10_000_000; 20 kB each]"
        )
    }
    monkeypatch.setattr(params, "available_memory", lambda: 8e9)
    assert check_parameters("r", declared, {"n_draws": "400000"}, text=True) == {"n_draws": 400_000}
    with pytest.raises(
        ParameterError,
        match=r"must be at most 400_000 on this machine: a run needs about 10 GB of memory "
        r"\(20 kB each\) and 8 GB is available; got 500000 instead",
    ):
        check_parameters("r", declared, {"n_draws": "500000"}, text=True)
    with pytest.raises(ParameterError, match="must be between 100 and 10_000_000"):
        check_parameters("r", declared, {"n_draws": 20_000_000})  # typed, as from a batch file
