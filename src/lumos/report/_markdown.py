"""A small Markdown-to-HTML converter for model cards (no dependency).

Model cards use a plain subset: ``#`` headings, paragraphs, ``*``/``-`` and
numbered lists, pipe tables, fenced code, and inline ``code``, ``**bold**``,
``*italic*``, links and images. That subset is converted here; everything is
HTML-escaped first, so a card cannot inject markup. The report must load
nothing, so a link keeps its text only, and an image is embedded from the
bytes given for it (a ``data:`` URI) or left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html import escape

__all__ = ["image_refs", "markdown_to_html"]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[*-]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def _inline(text: str, image: Callable[[str, str], str]) -> str:
    """Inline markup of one block of text (escaped; code spans kept verbatim)."""
    spans: list[str] = []

    def keep(html: str) -> str:
        spans.append(html)
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE.sub(lambda m: keep(f"<code>{escape(m.group(1))}</code>"), text)
    text = _IMAGE.sub(lambda m: keep(image(m.group(2), m.group(1))), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = escape(text, quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], text)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def markdown_to_html(
    text: str,
    *,
    images: Mapping[str, str] | None = None,
    heading_offset: int = 2,
) -> str:
    """Convert a card's Markdown to HTML.

    Parameters
    ----------
    text : str
        The Markdown.
    images : mapping, optional
        Image reference (as written in the card) -> ``data:`` URI; images not
        in it are left out.
    heading_offset : int
        Added to heading levels (``#`` becomes ``<h3>`` by default), so a card's
        title sits below the report's section heading.

    Returns
    -------
    str
        HTML fragment.
    """
    uris = dict(images or {})

    def image(ref: str, alt: str) -> str:
        uri = uris.get(ref)
        return "" if uri is None else f'<img src="{uri}" alt="{escape(alt)}">'

    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""
    lines = text.splitlines()

    def flush() -> None:
        nonlocal list_tag
        if para:
            out.append(f"<p>{_inline(' '.join(para), image)}</p>")
            para.clear()
        if items:
            lis = "".join(f"<li>{_inline(i, image)}</li>" for i in items)
            out.append(f"<{list_tag}>{lis}</{list_tag}>")
            items.clear()
            list_tag = ""

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            code = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            out.append(f"<pre>{escape(chr(10).join(code))}</pre>")
        elif not stripped:
            flush()
        elif m := _HEADING.match(stripped):
            flush()
            level = min(6, len(m.group(1)) + heading_offset)
            out.append(f"<h{level}>{_inline(m.group(2), image)}</h{level}>")
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            head = "".join(f"<th>{_inline(c, image)}</th>" for c in _cells(stripped))
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = "".join(f"<td>{_inline(c, image)}</td>" for c in _cells(lines[i]))
                rows.append(f"<tr>{cells}</tr>")
                i += 1
            out.append(f'<table class="nums"><tr>{head}</tr>{"".join(rows)}</table>')
            continue
        elif (m := _BULLET.match(line)) or (m := _NUMBERED.match(line)):
            tag = "ul" if _BULLET.match(line) else "ol"
            if para or (items and tag != list_tag):
                flush()
            list_tag = tag
            items.append(m.group(1))
        elif items and line[:1].isspace():
            items[-1] += " " + stripped  # a list item's continuation line
        else:
            if items:
                flush()
            para.append(stripped)
        i += 1
    flush()
    return "".join(out)


def image_refs(text: str) -> list[str]:
    """The targets of the images (``![alt](target)``) a Markdown text shows."""
    return [m.group(2) for m in _IMAGE.finditer(text)]
