"""The language of what readers see: chart titles, axis labels, table headers, summaries.

English is the source language: every text the workbench shows is written in English in the
code or the bundled tables' metadata, and is the *msgid* of its translation. A message
catalogue per language (``workbench/locale/zh.toml``, package data) maps msgids to their
translation; there are no per-language branches in the code. Texts are translated where they
are displayed (:func:`translate`), so datasets keep their English ``long_name``.

A msgid with ``{fields}`` is a template: ``translate("Supply, {what}", what=...)`` formats the
translated template, and a composed text such as ``"Supply, H100-equivalents"`` (made by an
f-string elsewhere) is matched against the templates and translated part by part.

Numbers follow the language too (:func:`multipliers`): English writes "399 M", "25.5 B";
Chinese writes "3.99 亿", "255 亿", "3,990 万" (万 = 10⁴, 亿 = 10⁸, 万亿 = 10¹²).

Examples
--------
>>> set_language("zh")
>>> translate("Probability of a shortfall")
'短缺概率'
>>> translate("Supply, H100-equivalents")
'供给，H100 等效'
>>> set_language("en")
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from importlib import resources

from workbench.errors import ParameterError, format_choices

__all__ = [
    "LANGUAGES",
    "catalogue",
    "check_language",
    "get_language",
    "multipliers",
    "sentence",
    "set_language",
    "translate",
    "translate_spec",
    "untranslated",
]

#: The languages reports are written in; the first is the source language (msgids).
LANGUAGES = ("en", "zh")
_SOURCE = LANGUAGES[0]
# Multipliers of large numbers, largest first: the language's own groupings of digits.
_MULTIPLIERS = {
    "en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")),
    "zh": ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")),
}
_FIELD = re.compile(r"\{(\w*)\}")
_WITH_UNITS = re.compile(r"^(?P<label>.+) \[(?P<units>[^\[\]]+)\]$", re.DOTALL)
_language = _SOURCE
# Texts asked for in another language that the catalogue could not translate, per language.
_missed: dict[str, set[str]] = {}


def check_language(lang: object, owner: str = "set_language") -> str:
    """``lang`` if it is one of :data:`LANGUAGES`; else a :class:`ParameterError`."""
    if lang not in LANGUAGES:
        raise ParameterError.invalid("lang", owner, f"one of {format_choices(LANGUAGES)}", lang)
    return str(lang)


def set_language(lang: str) -> None:
    """Write what follows in ``lang`` ("en" or "zh"); call it in a notebook's setup cell."""
    global _language
    _language = check_language(lang)


def get_language() -> str:
    """The current language (default "en")."""
    return _language


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """``lang``'s messages, msgid to translation (empty for the source language)."""
    if check_language(lang, "catalogue") == _SOURCE:
        return {}
    text = resources.files("workbench").joinpath("locale", f"{lang}.toml").read_text("utf-8")
    return dict(tomllib.loads(text)["messages"])


@functools.cache
def _templates(lang: str) -> list[tuple[re.Pattern, str]]:
    """The catalogue's templates as patterns matching the texts they compose, longest first."""
    found = []
    for msgid, translated in catalogue(lang).items():
        # A template of punctuation only ("{median} ({bounds})") would match any text.
        if not _FIELD.search(msgid) or not re.search(r"[^\W\d_]", _FIELD.sub("", msgid)):
            continue
        # split alternates literal text and field names: "a {x} b" -> ["a ", "x", " b"]
        pattern, seen = "", set()
        for i, part in enumerate(_FIELD.split(msgid)):
            if i % 2 == 0:
                pattern += re.escape(part)
            else:  # a field used twice matches the same text twice
                pattern += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
                seen.add(part)
        found.append((re.compile(f"^{pattern}$", re.DOTALL), translated))
    return sorted(found, key=lambda item: -len(item[0].pattern))


def translate(text: str, /, lang: str | None = None, **fields) -> str:
    """``text`` in the current language (or ``lang``); English text is returned as it is.

    With ``fields``, ``text`` is a template (``"In {year}"``): the translated template is
    formatted with them, a string field translated when the catalogue holds it. Without,
    a text missing from the catalogue may still be composed from a template
    (``"Supply, {what}"``); else it is returned untranslated.
    """
    lang = lang or _language
    messages = catalogue(lang)
    if fields:
        # A field is a value (a scenario's name, a number already written): translated only
        # when the catalogue has it as it is.
        values = {k: messages.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
        if messages and text not in messages:
            _missed.setdefault(lang, set()).add(text)
        return messages.get(text, text).format(**values)
    if not messages or not isinstance(text, str):
        return text
    found = _lookup(text, lang)
    if found is None:
        if re.search(r"[A-Za-z]{2}", text):  # a number or a symbol needs no translation
            _missed.setdefault(lang, set()).add(text)
        return text
    return found


def _lookup(text: str, lang: str) -> str | None:
    """``text`` translated by the catalogue, or composed from a template; None if neither."""
    found = catalogue(lang).get(text)
    if found is not None:
        return found
    for pattern, translated in _templates(lang):
        match = pattern.match(text)
        if match:
            # The parts of a composed text (a chip's name, "fp8") may rightly stay as they are.
            parts = {k: _lookup(v, lang) or v for k, v in match.groupdict().items()}
            return translated.format(**parts)
    # "label [units]" (an axis or a header): the label translated, the units as they are.
    labelled = _WITH_UNITS.match(text)
    if labelled:
        label = _lookup(labelled["label"], lang)
        return None if label is None else f"{label} [{labelled['units']}]"
    return None


def untranslated(lang: str | None = None) -> set[str]:
    """The texts shown so far in ``lang`` (default: the current language) that its catalogue
    did not translate: what a notebook displayed in English in a Chinese report.

    The bundled notebooks' test runs each notebook in Chinese and asks for this set, so a
    table header or chart title without a catalogue entry fails, whichever module made it.
    """
    return set(_missed.get(check_language(lang or _language, "untranslated"), set()))


_ = translate


def sentence(clause: str, lang: str | None = None) -> str:
    """A clause the code wrote in English (a dataset's ``origin``, a projection's description)
    as a sentence in the current language: translated, the first letter capitalised, the
    language's full stop at the end.

    >>> sentence("the bundled table 'models'")
    "The bundled table 'models'."
    """
    text = translate(str(clause), lang).strip()
    if not text:
        return text
    stop = translate(".", lang)
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", stop)) else text + stop


def multipliers(lang: str | None = None) -> tuple[tuple[float, str], ...]:
    """The multipliers large numbers are written with, largest first ("M", "亿", ...)."""
    return _MULTIPLIERS[check_language(lang or _language, "multipliers")]


def translate_spec(spec: dict, lang: str | None = None) -> dict:
    """A vega-lite spec with its titles translated: chart, axes, legends, tooltips.

    Every ``title`` (a text, a list of lines, or ``{"text", "subtitle"}``) is translated.
    The data are left alone: a category the catalogue translates ("supply", "inference",
    "liquid") is shown translated on its legend or axis by a ``labelExpr``, so tooltips,
    filters and joins still see the English value. Categories it does not hold (a vendor, a
    chip, a model) are names and stay as they are.
    """
    lang = lang or _language
    if lang == _SOURCE:
        return spec

    def title(value):
        if isinstance(value, str):
            return translate(value, lang)
        if isinstance(value, list):
            return [title(v) for v in value]
        if isinstance(value, dict):
            return {k: title(v) if k in ("text", "subtitle") else walk(v) for k, v in value.items()}
        return value

    def walk(value):
        if isinstance(value, dict):
            return {
                k: title(v) if k == "title" else v if k in ("data", "datasets") else walk(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    translated = walk(spec)
    _label_categories(translated, _category_values(spec), lang)
    return translated


# Channels whose categories a legend lists, and those an axis does.
_LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "strokeDash", "opacity", "size")
_AXIS_CHANNELS = ("x", "y", "row", "column")


def _category_values(spec: dict) -> dict[str, set[str]]:
    """Every text value of each field in the spec's data (named datasets and inline values)."""
    records = [row for rows in (spec.get("datasets") or {}).values() for row in rows]

    def inline(value):
        if isinstance(value, dict):
            data = value.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                records.extend(data["values"])
            for v in value.values():
                inline(v)
        elif isinstance(value, list):
            for v in value:
                inline(v)

    inline(spec)
    values: dict[str, set[str]] = {}
    for row in records:
        if isinstance(row, dict):
            for field, v in row.items():
                if isinstance(v, str):
                    values.setdefault(field, set()).add(v)
    return values


def _label_categories(spec, values: dict[str, set[str]], lang: str) -> None:
    """Give each nominal legend and axis a ``labelExpr`` showing its categories translated."""
    if isinstance(spec, list):
        for v in spec:
            _label_categories(v, values, lang)
        return
    if not isinstance(spec, dict):
        return
    for channel, enc in (spec.get("encoding") or {}).items():
        if not isinstance(enc, dict) or enc.get("type") not in ("nominal", "ordinal"):
            continue
        guide = "legend" if channel in _LEGEND_CHANNELS else "axis"
        if channel not in (*_LEGEND_CHANNELS, *_AXIS_CHANNELS) or "field" not in enc:
            continue
        if guide in enc and enc[guide] is None:  # no legend or axis drawn
            continue
        shown = {v: _lookup(v, lang) for v in sorted(values.get(str(enc["field"]), ()))}
        shown = {v: t for v, t in shown.items() if t is not None and t != v}
        if not shown or "labelExpr" in (enc.get(guide) or {}):
            continue
        expr = "datum.label"
        for v, t in reversed(shown.items()):
            expr = f"datum.label === {json.dumps(v)} ? {json.dumps(t, ensure_ascii=False)} : {expr}"
        enc[guide] = {**(enc.get(guide) or {}), "labelExpr": expr}
    for key, v in spec.items():
        if key not in ("data", "datasets", "encoding"):
            _label_categories(v, values, lang)
