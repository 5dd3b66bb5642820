"""Escaping mention text for HTML reports (reliability row 44).

Mention text is hostile input. In HTML it is escaped (``<``, ``>``, ``&``, both quotes), so no
element, ``<script>`` or event handler (``onerror=``) can survive; links are only emitted for
``http``/``https`` URLs (``javascript:``, ``data:``, ``vbscript:`` become plain text); and
invisible or direction-changing characters (bidi overrides and isolates, zero-width
characters, C0/C1 controls) are shown visibly as ``⟨U+202E⟩`` markers instead of silently
reordering the text around them.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

__all__ = ["CONTROL_CHARS", "escape_text", "reveal_controls", "safe_href"]

CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
"""Characters shown as visible markers: controls, bidi marks/overrides/isolates, zero-widths."""


def reveal_controls(text: str) -> str:
    """Replace invisible and direction-changing characters with ``⟨U+XXXX⟩`` (plain text).

    Examples:
        >>> reveal_controls("abc\u202edef")
        'abc⟨U+202E⟩def'
    """
    return CONTROL_CHARS.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def escape_text(text: str) -> str:
    """HTML-escape untrusted text and show control characters as visible marked spans.

    Examples:
        >>> escape_text('<img src=x onerror="alert(1)">\u202e')
        '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<span class="sl-ctl">⟨U+202E⟩</span>'
    """
    escaped = html.escape(text, quote=True)
    return CONTROL_CHARS.sub(lambda m: f'<span class="sl-ctl">⟨U+{ord(m.group()):04X}⟩</span>', escaped)


def safe_href(url: str | None) -> str | None:
    """The URL escaped for an ``href`` attribute when it is http(s), else ``None``.

    Examples:
        >>> safe_href("javascript:alert(1)") is None, safe_href("https://a.example/?q=<x>")
        (True, 'https://a.example/?q=%3Cx%3E')
    """
    if not url:
        return None
    candidate = CONTROL_CHARS.sub("", url).strip()
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    quoted = candidate.replace("<", "%3C").replace(">", "%3E").replace('"', "%22").replace("'", "%27")
    quoted = quoted.replace(" ", "%20").replace("`", "%60")
    return html.escape(quoted, quote=True)
