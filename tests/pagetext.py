"""Every text a page renders in AppTest, and the checks that find English left in a Kazakh or Russian
page: an English catalog message, a snake_case key, or a text in Latin letters that is not a code."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Collection, Iterable, Iterator

import lxml.html
import pandas as pd
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as et

from kzlogframe.demo import DEMO_FINANCE, DEMO_SOURCE
from kzlogframe.i18n import LANGUAGES, messages

CYRILLIC = re.compile("[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
LATIN_WORD = re.compile("[A-Za-z]{2,}")
SNAKE = re.compile(r"(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")
STREAMLIT_PLACEHOLDER = "Choose options"  # what a multiselect shows when given no placeholder
_TAGS = re.compile(r"<style.*?</style>|<[^>]+>", re.S)
_PLOTLY_FIELDS = re.compile(r"%\{[^}]*\}")

# What may stay in Latin letters in a Kazakh or Russian page: codes and names, never words.
ALLOWED = [re.compile(p) for p in (
    r"[A-Z][A-Z0-9_]*(?:\.[A-Za-z0-9_]+)*",  # indicator, level, activity, assumption codes; PNG, SVG, HTML, IATI
    r"[a-z][a-z0-9_]*(?:/[A-Za-z0-9._-]+)+",  # an audit entry's object: programme/level/period/language
    r"[\w.-]+\.(?:csv|tsv|txt|xlsx|xml|zip|pdf|docx|html|png|svg)",  # file names
    r"[0-9a-f]{64}",  # sha256
    r"DCI-ASIE/\d{4}/\d{3}-\d{3}",  # EU financing decisions
    r"EUR [\d\s\u00a0\u202f,.]+",  # an amount in euros
    r"SHA-256",
)]
ALLOWED_TEXTS = {*LANGUAGES.values(),  # the language picker names each language in its own words
                 DEMO_SOURCE, "SYNTHETIC DEMO DATA",  # stored data: what the demo loader wrote as source and comment
                 DEMO_FINANCE}  # and as the comment of its financial entries


def _plain(text: str) -> str:
    return " ".join(html.unescape(_PLOTLY_FIELDS.sub(" ", _TAGS.sub(" ", text))).split())


def _html_texts(text: str) -> Iterator[str]:
    """Each run of text of an HTML fragment or document (the matrix, the report preview) on its own,
    so a cell in Latin letters is judged alone and styles and scripts are left out."""
    whole = "<html" in text[:500].lower()
    root = lxml.html.document_fromstring(text) if whole else lxml.html.fromstring(f"<div>{text}</div>")
    for element in root.iter("style", "script"):
        element.drop_tree()
    yield from root.itertext()


def _frame_texts(frame: pd.DataFrame) -> Iterator[str]:
    yield from (str(column) for column in frame.columns)
    for column in frame.columns:
        yield from (cell for cell in frame[column] if isinstance(cell, str))


def _chart_texts(spec: str) -> Iterator[str]:
    """Titles, axis titles and ticks, legend entries, category labels and bar texts of a plotly chart."""
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    yield (layout.get("title") or {}).get("text", "")
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")):
            yield (axis.get("title") or {}).get("text", "")
            yield from (str(tick) for tick in axis.get("ticktext", []))
    yield from (shape.get("name", "") for shape in layout.get("shapes", []))
    yield from (note.get("text", "") for note in layout.get("annotations", []))
    for trace in figure.get("data", []):
        yield trace.get("name", "")
        for key in ("x", "y", "text", "texttemplate", "hovertemplate"):
            values = trace.get(key)
            yield from (v for v in (values if isinstance(values, list) else [values]) if isinstance(v, str))


def rendered_texts(at: AppTest) -> Iterator[tuple[str, str]]:
    """(element type, text) for every text of the page and its sidebar: titles, headers, markdown,
    captions, alerts, metrics' labels and values, tables' and dataframes' headers and text cells,
    widgets' labels and options, a multiselect's placeholder, buttons, expanders, tabs, and the words
    of every chart."""
    for node in at._tree:
        kind = getattr(node, "type", type(node).__name__)
        texts: list[str] = []
        if isinstance(node, (et.Dataframe, et.Table)):
            texts += _frame_texts(node.value)
        elif isinstance(node, et.Metric):
            texts += [node.proto.label, node.value]
        elif isinstance(node, (et.Selectbox, et.Multiselect, et.Radio)):
            texts += [node.label, *(str(option) for option in node.options)]
            if isinstance(node, et.Multiselect):  # shown while nothing is chosen; Streamlit's own is English
                texts.append(node.proto.placeholder or STREAMLIT_PLACEHOLDER)
        elif isinstance(node, (et.Expander, et.Tab)):
            texts.append(getattr(node, "label", ""))
        elif isinstance(node, et.Markdown) and "</" in node.value:  # HTML: the logframe matrix
            texts += _html_texts(node.value)
        elif isinstance(node, (et.Markdown, et.Title, et.Header, et.Subheader, et.Caption, et.Text, et.Code,
                               et.Info, et.Warning, et.Error, et.Success, et.Exception)):
            texts.append(str(node.value))
        elif isinstance(node, et.UnknownElement) and kind == "iframe":  # the report preview
            texts += _html_texts(node.proto.srcdoc)
        elif isinstance(node, (et.Button, et.DownloadButton, et.Checkbox, et.Toggle, et.TextInput, et.TextArea,
                               et.DateInput, et.NumberInput, et.FileUploader)):
            texts.append(node.label)
        elif isinstance(node, et.UnknownElement) and kind == "plotly_chart":
            texts += _chart_texts(node.proto.spec)
        elif isinstance(node, et.UnknownElement) and isinstance(getattr(node.proto, "label", None), str):
            texts.append(node.proto.label)
        yield from ((kind, _plain(text)) for text in texts if isinstance(text, str) and _plain(text))


def _forms(message: str | dict[str, str]) -> list[str]:
    return [v for k, v in message.items() if k != "by"] if isinstance(message, dict) else [message]


def english_templates(lang: str) -> list[tuple[str, re.Pattern]]:
    """Every English message whose words differ in ``lang``, as a pattern that finds it filled in."""
    found = []
    theirs = messages(lang)
    for key, message in messages("en").items():
        own = set(_forms(theirs[key]))
        for text in _forms(message):
            if text in own:  # the same in both languages: a name, a code
                continue
            literal = [re.escape(part) for part in re.split(r"\{\w+\}", _plain(text))]
            if any(LATIN_WORD.search(part) and re.search("[a-z]{3,}", part) for part in literal):
                found.append((key, re.compile(r"(?<![A-Za-z])" + ".+?".join(literal) + r"(?![A-Za-z])")))
    return found


def leftovers(texts: Iterable[tuple[str, str]], lang: str, names: Collection[str] = ()) -> list[str]:
    """What of ``texts`` is English in a page in ``lang``: a filled-in English message, a snake_case key,
    or a text in Latin letters only. Codes and names are not: :data:`ALLOWED`, :data:`ALLOWED_TEXTS`
    and ``names`` (programme codes such as psr_oecd, user names)."""
    english = english_templates(lang)
    allowed = ALLOWED_TEXTS | set(names)
    found = []
    for kind, text in texts:
        if text in allowed:
            continue
        words = [word.strip(",;:()") for word in text.split()]
        bare = " ".join(word for word in words if word not in allowed and not any(p.fullmatch(word) for p in ALLOWED))
        problems = [key for key, pattern in english if pattern.search(text)]
        problems += [f"snake_case '{m}'" for m in SNAKE.findall(bare)]
        if LATIN_WORD.search(text) and not CYRILLIC.search(text) and not any(p.fullmatch(text) for p in ALLOWED):
            problems.append("Latin text")
        found += [f"{kind}: {text[:160]!r}: {', '.join(problems)}"] if problems else []
    return sorted(set(found))
