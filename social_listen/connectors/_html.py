"""HTML fragments (Mastodon content, HN comment text, feed summaries) to clean text and links.

Platforms send post bodies as HTML: entities (``&#x27;``, ``&quot;``), inline tags, paragraphs
and links. :func:`html_to_text` turns such a fragment into readable text: tags are stripped,
block elements (``p``, ``br``, ``div``, ``li``, headings, ``pre``...) become line breaks,
whitespace is collapsed outside ``pre``, ``script``/``style`` contents are dropped and entities
are unescaped. :func:`extract_html` also returns the ``http(s)``/``mailto`` links of ``<a href>``
in order (``javascript:`` and ``data:`` links are dropped). It uses the standard library's
``html.parser`` over input capped in length, fed once, so the cost stays linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

__all__ = ["HTMLText", "extract_html", "html_to_text"]

DEFAULT_MAX_CHARS = 100_000
_INPUT_FACTOR = 4  # markup is dropped, so allow some more input than output
_MAX_LINKS = 200

_PARAGRAPH = frozenset({"p", "blockquote", "pre", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_LINE = frozenset(
    {
        "br",
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "figure",
        "figcaption",
    }
)
_DROP = frozenset({"script", "style", "template", "noscript", "head", "title"})
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# A "<" with no ">" before the next "<" can never close a tag; html.parser re-scans such
# text to the end for each of them (quadratic), so they are escaped first. The lookahead
# stops at the next "<", so the pass is linear.
_UNCLOSED_LT = re.compile(r"<(?![^<>]*>)")


@dataclass(frozen=True)
class HTMLText:
    """Text and links extracted from an HTML fragment.

    Attributes:
        text: The readable text.
        links: The ``href`` of each safe link, in order, without duplicates.
        truncated: True when the input or the text was cut at the cap.
    """

    text: str
    links: tuple[str, ...]
    truncated: bool = False


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._drop = 0
        self._pre = 0

    def _newline(self, count: int) -> None:
        self.parts.append("\n" * count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._drop += 1
        elif tag in _PARAGRAPH:
            self._newline(2)
            if tag == "pre":
                self._pre += 1
        elif tag in _LINE:
            self._newline(1)
        elif tag == "a" and len(self.links) < _MAX_LINKS:
            href = next((value for key, value in attrs if key == "href" and value), None)
            if href:
                href = href.strip()
                scheme = urlsplit(href).scheme.lower() if ":" in href else ""
                if scheme in _SAFE_SCHEMES and href not in self.links:
                    self.links.append(href)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE or tag in _PARAGRAPH:
            self._newline(1 if tag in _LINE else 2)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._drop = max(0, self._drop - 1)
        elif tag in _PARAGRAPH:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self._newline(2)
        elif tag in _LINE:
            self._newline(1)

    def handle_data(self, data: str) -> None:
        if self._drop:
            return
        if self._pre:
            self.parts.append(data.replace("\r\n", "\n"))
        else:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ")))


def _tidy(text: str) -> str:
    lines = [line.strip(" ") for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def extract_html(html: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> HTMLText:
    r"""Turn an HTML fragment into text and its links.

    Args:
        html: The fragment (a post body, a comment, a feed summary).
        max_chars: The longest text returned; the input is capped at four times this.

    Returns:
        The text, the safe links and whether anything was cut.

    Examples:
        >>> r = extract_html('<p>Hi <a href="https://acme.test/x">acme</a> &amp; co</p><p>Bye</p>')
        >>> r.text
        'Hi acme & co\n\nBye'
        >>> r.links
        ('https://acme.test/x',)
    """
    truncated = False
    limit = max_chars * _INPUT_FACTOR
    if len(html) > limit:
        html, truncated = html[:limit], True
    parser = _Extractor()
    parser.feed(_UNCLOSED_LT.sub("&lt;", html))
    parser.close()
    text = _tidy("".join(parser.parts))
    if len(text) > max_chars:
        text, truncated = text[:max_chars], True
    return HTMLText(text=text, links=tuple(parser.links), truncated=truncated)


def html_to_text(html: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    r"""The readable text of an HTML fragment (see :func:`extract_html`).

    Examples:
        >>> html_to_text("I think<p>it&#x27;s <i>fine</i>: <code>x&lt;y</code>")
        "I think\n\nit's fine: x<y"
    """
    return extract_html(html, max_chars=max_chars).text
