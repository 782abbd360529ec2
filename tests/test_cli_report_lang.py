"""`workbench report --lang zh`: Chinese reports beside the English ones, both in the gallery."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from fixtures.notebooks.workspace import assert_complete, make_workspace

from workbench.reports.html import render_html


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("cli_lang"), notebooks=("bilingual", "echo"))


@pytest.fixture(scope="module")
def built(workspace):
    english = workspace.report("bilingual")
    chinese = workspace.report("bilingual", "--lang", "zh")
    assert english.returncode == 0, english.stderr
    assert chinese.returncode == 0, chinese.stderr
    return english, chinese


def _specs(page: str) -> list[dict]:
    found = re.findall(r'<script [^>]*class="workbench-spec"[^>]*>(.*?)</script>', page, re.DOTALL)
    return [json.loads(text.replace("<\\/", "</")) for text in found]


def test_a_chinese_report_has_the_chinese_narrative_numbers_and_titles(built, workspace):
    folder = workspace.out / "zh" / "bilingual"
    manifest = assert_complete(folder, "bilingual")
    assert manifest["parameters"] == {"lang": "zh"}
    assert manifest["title"] == "两种语言的供给"
    page = (folder / "bilingual.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page
    assert "中文叙述" in page and "图表" in page
    assert "The English narrative" not in page and "The chart" not in page
    assert "3.99 亿" in page and "255 亿" in page and "出货量" in page  # the reader table
    assert _specs(page)[0]["title"] == "短缺概率"
    assert "zh/bilingual" in built[1].stdout


def test_the_english_report_is_untouched(built, workspace):
    page = (workspace.out / "bilingual" / "bilingual.html").read_text(encoding="utf-8")
    assert "The English narrative" in page and "中文叙述" not in page
    assert "399 M" in page and "Units shipped" in page
    assert _specs(page)[0]["title"] == "Probability of a shortfall"


def test_the_gallery_lists_both_languages_in_each_language(built, workspace):
    english = (workspace.out / "index.html").read_text(encoding="utf-8")
    chinese = (workspace.out / "index.zh.html").read_text(encoding="utf-8")
    for page in (english, chinese):
        assert 'href="bilingual/bilingual.html"' in page
        assert 'href="zh/bilingual/bilingual.html"' in page
        assert "两种语言的供给" in page and "Supply in two languages" in page
    assert "<h1>Compute Workbench reports</h1>" in english and 'href="index.zh.html"' in english
    assert "<h1>算力工作台报告</h1>" in chinese and '<html lang="zh">' in chinese


def test_the_language_is_part_of_the_key(built, workspace):
    again = workspace.report("bilingual", "--lang", "zh")
    assert again.returncode == 0 and "1 up to date" in again.stdout
    english = json.loads((workspace.out / "bilingual" / "manifest.json").read_text())
    chinese = json.loads((workspace.out / "zh" / "bilingual" / "manifest.json").read_text())
    assert english["key"] != chinese["key"]


def test_an_unknown_language_is_refused_before_any_kernel(workspace, tmp_path):
    result = workspace.report("bilingual", "--lang", "xx", out=tmp_path / "reports")
    assert result.returncode == 2
    assert "'lang' parameter" in result.stderr and "'zh'" in result.stderr
    assert not (tmp_path / "reports").exists()


def test_a_notebook_without_lang_is_refused_in_chinese(workspace, tmp_path):
    result = workspace.report("echo", "--lang", "zh", out=tmp_path / "reports")
    assert result.returncode == 2
    assert "declares no 'lang' parameter" in result.stderr


def test_a_batch_entry_may_be_in_chinese(workspace, tmp_path):
    from workbench.reports import load_config, plan

    config = tmp_path / "reports.toml"
    config.write_text(
        '[reports.bilingual]\n[reports.bilingual_zh]\nnotebook = "bilingual"\nlang = "zh"\n'
    )
    batch = load_config(config, workspace.notebooks)
    tasks = plan(batch.requests, tmp_path / "out")
    assert [(t.label, t.lang) for t in tasks] == [
        ("bilingual", "en"),
        ("zh/bilingual_zh", "zh"),
    ]
    assert tasks[1].folder == (tmp_path / "out" / "zh" / "bilingual_zh").resolve()
    assert tasks[1].parameters == {"lang": "zh"} and tasks[1].out == tasks[0].out


def test_a_cell_in_another_language_is_dropped_from_the_page(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# English only", metadata={"tags": ["lang-en"]}),
            nbformat.v4.new_markdown_cell("# 仅中文", metadata={"tags": ["lang-zh"]}),
            nbformat.v4.new_markdown_cell("Both languages."),
        ]
    )
    nbformat.write(nb, tmp_path / "nb.ipynb")
    render_html(tmp_path / "nb.ipynb", tmp_path / "zh.html", lang="zh")
    render_html(tmp_path / "nb.ipynb", tmp_path / "en.html")
    chinese = (tmp_path / "zh.html").read_text(encoding="utf-8")
    english = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert "仅中文" in chinese and "English only" not in chinese and "Both languages" in chinese
    assert "English only" in english and "仅中文" not in english and "Both languages" in english
