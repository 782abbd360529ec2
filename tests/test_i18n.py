"""Translations: every text a report shows has a Chinese translation; Chinese numbers."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
from fixtures.specs import chart_of_categories

from workbench import i18n
from workbench.errors import ParameterError
from workbench.tables import interval, percent, si

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workbench"
_TRANSLATORS = {"translate", "_"}
_FIELD = re.compile(r"\{\w*\}")


def _text(node: ast.AST) -> tuple[str | None, bool]:
    """A literal's text, or an f-string's shape with ``{}`` for each value (a template)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        parts = (v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        return "".join(parts), True
    return None, False


def msgids() -> tuple[set[str], set[str]]:
    """What the package shows readers: (texts, shapes of composed texts).

    Literal first arguments of ``translate``/``_``; every ``long_name`` of a variable (in the
    code, as a ``"long_name"`` key or ``long_name=`` keyword, and in the bundled tables'
    metadata); chart titles in ``workbench.plots``. f-strings give shapes ("Supply, {}"),
    which a catalogue template must compose.
    """
    texts, shapes = set(), set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = []
            if isinstance(node, ast.Dict):
                found += [
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "long_name"
                ]
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in _TRANSLATORS and node.args:
                    found.append(node.args[0])
                for keyword in node.keywords:
                    if keyword.arg == "long_name" or (
                        keyword.arg == "title" and "plots" in path.parts
                    ):
                        found.append(keyword.value)
            for value in found:
                text, composed = _text(value)
                if text:
                    (shapes if composed else texts).add(text)
    for path in (ROOT / "data").glob("*.toml"):
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
        if meta.get("title"):  # the caption of the table in the data overview
            texts.add(meta["title"])
        for column in meta.get("columns", {}).values():
            if isinstance(column, dict) and column.get("long_name"):
                texts.add(column["long_name"])
    return texts, shapes


def written() -> tuple[set[str], set[str]]:
    """Every text the package writes anywhere: (string literals, f-string shapes), in the
    code, the bundled notebooks and the bundled tables' metadata. Texts shown without a
    ``translate`` call or a ``long_name`` key (a summary's row names, an attribute composed by
    an f-string) are among them; the notebooks' test in Chinese (tests/test_notebooks_zh.py)
    finds those that lack an entry."""
    texts, shapes = set(), set()
    sources = [path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py")]
    for path in (ROOT / "notebooks").glob("*.ipynb"):  # a chart title given in a notebook
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            text, composed = _text(node)
            if text:
                (shapes if composed else texts).add(text)

    def strings(value):
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                strings(v)
        elif isinstance(value, list):
            for v in value:
                strings(v)

    for path in (ROOT / "data").glob("*.toml"):
        strings(tomllib.loads(path.read_text(encoding="utf-8")))
    return texts, shapes


def test_every_text_has_a_chinese_translation_and_every_translation_is_used():
    zh = i18n.catalogue("zh")
    texts, shapes = msgids()
    missing = sorted(t for t in texts if t not in zh and i18n.translate(t, "zh") == t)
    assert not missing, f"no zh translation in workbench/locale/zh.toml for: {missing}"
    templates = {_FIELD.sub("{}", m) for m in zh if _FIELD.search(m)}
    missing_shapes = sorted(s for s in shapes if s not in templates)
    assert not missing_shapes, f"no zh template for the composed texts: {missing_shapes}"
    # Words the code looks up by a computed key (dimension names, choices, languages).
    looked_up = set(tomllib.loads((PACKAGE / "locale" / "zh.toml").read_text("utf-8"))["lookups"])
    literals, literal_shapes = written()
    unused = sorted(
        m
        for m in zh
        if m not in texts | looked_up | literals
        and _FIELD.sub("{}", m) not in shapes | literal_shapes
    )
    assert not unused, f"zh.toml translates texts the package never shows: {unused}"


def test_translations_keep_their_fields():
    for msgid, text in i18n.catalogue("zh").items():
        assert sorted(_FIELD.findall(msgid)) == sorted(_FIELD.findall(text)), msgid


def test_translate_exact_composed_and_templates():
    assert i18n.translate("Probability of a shortfall", "zh") == "短缺概率"
    assert i18n.translate("Supply, H100-equivalents", "zh") == "供给，H100 等效"
    assert i18n.translate("In {year}", "en", year=2030) == "In 2030"
    assert i18n.translate("no such text", "zh") == "no such text"
    i18n.set_language("zh")
    try:
        assert i18n.get_language() == "zh"
        assert i18n.translate("Probability of a shortfall") == "短缺概率"
    finally:
        i18n.set_language("en")
    assert i18n.translate("Probability of a shortfall") == "Probability of a shortfall"


def test_texts_without_a_translation_are_remembered():
    i18n.translate("A header nobody translated", "zh")
    i18n.translate("Probability of a shortfall", "zh")
    i18n.translate("2030", "zh")
    i18n.translate("H100e in 2030", "zh")
    i18n.translate("Supply, H100-equivalents", "zh")  # composed from a template
    missed = i18n.untranslated("zh")
    assert "A header nobody translated" in missed
    assert "Probability of a shortfall" not in missed and "Supply, H100-equivalents" not in missed
    assert "2030" not in missed and "H100e in 2030" in missed
    assert i18n.untranslated("en") == set(), "English is the source: nothing to translate"


def test_unknown_language_is_refused():
    with pytest.raises(ParameterError, match="'lang' parameter"):
        i18n.set_language("xx")


@pytest.fixture
def chinese():
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def test_chinese_numbers_use_wan_and_yi(chinese):
    assert si(39_900_000) == "3,990 万"
    assert si(2.547e10) == "255 亿"
    assert si(2.547e10, digits=4) == "254.7 亿"
    assert si(3.99e8) == "3.99 亿"
    assert si(1.3e12) == "1.3 万亿"
    assert si(9_999) == "9,999"
    assert si(12_345) == "1.23 万"
    assert interval(3.99e8, 2.08e8, 8.27e8) == "3.99 亿（2.08–8.27 亿）"
    assert interval(3.99e8, 8.5e7, 8.27e8) == "3.99 亿（8,500 万–8.27 亿）"
    assert percent(0.1234) == "12%"


def test_english_numbers_unchanged():
    assert si(39_900_000) == "39.9 M"
    assert interval(399e6, 208e6, 827e6) == "399 M (208–827 M)"


def test_chart_titles_are_translated_in_the_spec():
    spec = {
        "title": {"text": "Probability of a shortfall", "subtitle": ["Supply, H100-equivalents"]},
        "encoding": {"y": {"title": "Year"}, "tooltip": [{"field": "x", "title": "Year"}]},
        "data": {"values": [{"title": "Year"}]},
    }
    out = i18n.translate_spec(spec, "zh")
    assert out["title"] == {"text": "短缺概率", "subtitle": ["供给，H100 等效"]}
    assert out["encoding"]["y"]["title"] == "年份"
    assert out["encoding"]["tooltip"][0]["title"] == "年份"
    assert out["data"] == spec["data"]  # data are left alone
    assert i18n.translate_spec(spec, "en") is spec


def test_categories_are_shown_translated_and_the_data_keep_them():
    spec = chart_of_categories()
    out = i18n.translate_spec(spec, "zh")
    bars, rules = out["layer"]
    expr = bars["encoding"]["color"]["legend"]["labelExpr"]
    assert '"supply" ? "供给"' in expr and '"demand" ? "需求"' in expr
    assert "legend" not in spec["layer"][0]["encoding"]["color"], "the input is not changed"
    assert rules["encoding"]["color"]["legend"] is None, "a legend switched off stays off"
    assert "axis" not in bars["encoding"]["x"], "a vendor's name is a name: not translated"
    assert out["datasets"] == spec["datasets"]
    assert i18n.translate_spec(spec, "en") is spec
    assert "NVIDIA" not in i18n.untranslated("zh"), "names are not reported as missing"
