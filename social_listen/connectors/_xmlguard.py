"""A pre-scan that refuses hostile XML before any XML parser sees the bytes.

feedparser tries a strict SAX parse and falls back to a lenient SGML parser that expands
internal entities itself, so a 62 KB "billion laughs" feed becomes hundreds of millions of
characters. :func:`guard_feed_xml` runs first, in linear time over a size-capped body, and
refuses any entity declaration, any internal DTD subset and any external DTD (except the
well-known Netscape RSS 0.91 public identifier, which feedparser never fetches). It also
re-encodes UTF-16/UTF-32/EBCDIC documents to UTF-8 so the scan sees what the parser will
see, refuses UTF-7, and caps author-like fields whose email regex in feedparser is
quadratic in their length (RELIABILITY rows 20 and 21).
"""

from __future__ import annotations

import codecs
import re

from social_listen.core import ResponseTooLarge, UnsafeXML

__all__ = ["AUTHOR_FIELD_CAP", "guard_feed_xml"]

AUTHOR_FIELD_CAP = 80
"""Characters kept of author-like elements (feedparser's email regex is O(n^2) in them)."""

# Public identifiers of DTDs that feedparser strips and never resolves.
_ALLOWED_PUBLIC_IDS = (b"-//netscape communications//dtd rss 0.91//en",)

_DECL_RE = re.compile(rb"<!\s*(ENTITY|DOCTYPE)", re.IGNORECASE)
_ROOT_RE = re.compile(rb"<[A-Za-z_]")
_ENTITY_RE = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]{0,200}?\?>", re.IGNORECASE)
_ENCODING_RE = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""", re.IGNORECASE)
_DOCTYPE_BODY_RE = re.compile(rb"""<!\s*DOCTYPE\s+[^\s>\[]+\s*(?P<ext>(?:SYSTEM|PUBLIC)\b)?""", re.IGNORECASE)
_PUBLIC_ID_RE = re.compile(rb"""\s*PUBLIC\s+(["'])([^"']{0,200})\1""", re.IGNORECASE)
_AUTHOR_OPEN_RE = re.compile(
    rb"<((?:[A-Za-z_][\w.-]*:)?(?:author|creator|managingEditor|webMaster|name|email|contributor))\b[^<>]{0,500}?>",
    re.IGNORECASE,
)
_UTF7_NAMES = frozenset({"utf7", "utf_7", "u7", "unicode11utf7", "unicode_1_1_utf_7", "csunicode11utf7"})


def guard_feed_xml(data: bytes, *, source: str | None = None, max_bytes: int = 5 * 1024 * 1024) -> bytes:
    """Check a feed body and return bytes that are safe to hand to feedparser.

    Args:
        data: The raw (already decompressed) body.
        source: The connector name, for errors.
        max_bytes: The body size cap (``Limits.max_feed_bytes``).

    Returns:
        The body, re-encoded to UTF-8 when it was UTF-16/32 or EBCDIC, with author-like
        fields cut to :data:`AUTHOR_FIELD_CAP` characters.

    Raises:
        ResponseTooLarge: The body is over ``max_bytes``.
        UnsafeXML: The document declares entities, has an internal DTD subset, references an
            external DTD, or is declared in UTF-7.

    Examples:
        >>> guard_feed_xml(b"<rss><channel><title>ok</title></channel></rss>")[:5]
        b'<rss>'
        >>> try:
        ...     guard_feed_xml(b'<!DOCTYPE r [<!ENTITY a "x">]><r>&a;</r>')
        ... except UnsafeXML as exc:
        ...     print(exc.message)
        DOCTYPE with an internal DTD subset refused
    """
    if len(data) > max_bytes:
        raise ResponseTooLarge(
            f"feed body of {len(data)} bytes is over the {max_bytes}-byte cap", source=source
        )
    data = _to_ascii_compatible(data, source=source)
    sections = _TextSections(data)
    position = 0
    doctypes = 0
    while (match := _DECL_RE.search(data, position)) is not None:
        kind = match.group(1).upper()
        if kind == b"ENTITY":
            raise UnsafeXML(
                f"XML entity declaration refused at byte {match.start()}",
                source=source,
            )
        position = match.end()
        closing = sections.inside(match.start())
        if closing is not None:
            # An HTML page quoted in a CDATA section or a comment: text to both parsers. Skip
            # to the section's end (entity declarations in it were looked for just above).
            end = data.find(closing, position)
            if end == -1:
                break
            entity = _ENTITY_RE.search(data, position, end)
            if entity is not None:
                raise UnsafeXML(f"XML entity declaration refused at byte {entity.start()}", source=source)
            position = end
            continue
        doctypes += 1
        if doctypes > 1:
            raise UnsafeXML("more than one DOCTYPE declaration", source=source)
        _check_doctype(data, match.start(), source=source)
    return _cap_author_fields(data)


class _TextSections:
    """Answers "is this position inside a CDATA section or a comment?" for rising positions.

    Entity declarations are refused wherever they are; a quoted DOCTYPE is harmless: neither
    expat nor feedparser's fallback reads a DOCTYPE after the root element starts. Positions
    are asked in increasing order, so each byte is searched once (linear in the body).
    """

    _MARKS = (b"<![CDATA[", b"]]>", b"<!--", b"-->")

    def __init__(self, data: bytes) -> None:
        self.data = data
        root = _ROOT_RE.search(data)
        self.root = root.start() if root is not None else len(data)
        self.scanned = 0
        self.last = dict.fromkeys(self._MARKS, -1)

    def inside(self, position: int) -> bytes | None:
        """The mark that closes the section around ``position``, ``None`` outside one."""
        if position < self.root:
            return None
        for mark in self._MARKS:
            found = self.data.rfind(mark, self.scanned, position)
            if found != -1:
                self.last[mark] = found
        self.scanned = max(self.scanned, position - 8)  # a mark may straddle the boundary
        last = self.last
        if last[b"<![CDATA["] > last[b"]]>"]:
            return b"]]>"
        if last[b"<!--"] > last[b"-->"]:
            return b"-->"
        return None


def _to_ascii_compatible(data: bytes, *, source: str | None) -> bytes:
    """Transcode documents whose markup is not ASCII bytes to UTF-8; refuse UTF-7."""
    encoding = _sniff_wide_encoding(data)
    if encoding is None:
        declared = _declared_encoding(data)
        if declared is not None and _normalize(declared) in _UTF7_NAMES:
            raise UnsafeXML("UTF-7 encoded XML is refused (it can hide markup from a scan)", source=source)
        return data
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnsafeXML(f"undecodable {encoding} document: {exc.reason}", source=source) from exc
    text = text.removeprefix("\ufeff")
    utf8 = text.encode("utf-8", "replace")
    declaration = _XML_DECL_RE.match(utf8)
    if declaration is not None:
        fixed = _ENCODING_RE.sub(b'encoding="utf-8"', declaration.group(0))
        utf8 = fixed + utf8[declaration.end() :]
    return utf8


def _sniff_wide_encoding(data: bytes) -> str | None:
    """The encoding of a document whose ``<`` is not the byte 0x3C (XML 1.0 appendix F)."""
    head = data[:4]
    boms = (
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
    )
    for bom, name in boms:
        if head.startswith(bom):
            return name
    patterns = {
        b"\x00\x00\x00\x3c": "utf-32-be",
        b"\x3c\x00\x00\x00": "utf-32-le",
        b"\x00\x3c\x00\x3f": "utf-16-be",
        b"\x3c\x00\x3f\x00": "utf-16-le",
        b"\x4c\x6f\xa7\x94": "cp500",
    }
    return patterns.get(head)


def _declared_encoding(data: bytes) -> str | None:
    declaration = _XML_DECL_RE.match(data)
    if declaration is None:
        return None
    found = _ENCODING_RE.search(declaration.group(0))
    return found.group(1).decode("ascii") if found else None


def _normalize(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "")


def _check_doctype(data: bytes, start: int, *, source: str | None) -> None:
    """Refuse internal subsets and external DTDs other than the allow-listed ones."""
    end = data.find(b">", start)
    segment = data[start : (end + 1 if end != -1 else len(data))]
    if b"[" in segment:
        raise UnsafeXML("DOCTYPE with an internal DTD subset refused", source=source)
    match = _DOCTYPE_BODY_RE.match(segment)
    if match is None or match.group("ext") is None:
        return
    public = _PUBLIC_ID_RE.match(segment, match.start("ext"))
    if public is not None and public.group(2).strip().lower() in _ALLOWED_PUBLIC_IDS:
        return
    raise UnsafeXML("DOCTYPE referencing an external DTD refused", source=source)


def _cap_author_fields(data: bytes) -> bytes:
    """Cut long author-like element contents so feedparser's email regex stays cheap."""
    parts: list[bytes] = []
    position = 0
    for match in _AUTHOR_OPEN_RE.finditer(data):
        if match.start() < position or match.group(0).endswith(b"/>"):
            continue
        content_start = match.end()
        content_end = data.find(b"</", content_start)
        if data.startswith(b"<![CDATA[", content_start):
            close = data.find(b"]]>", content_start)
            content_end = data.find(b"</", close if close != -1 else content_start)
        if content_end == -1:
            content_end = len(data)
        content = data[content_start:content_end]
        nested = not content.startswith(b"<![CDATA[") and b"<" in content
        if len(content) <= AUTHOR_FIELD_CAP or nested:
            continue
        parts.append(data[position:content_start])
        parts.append(_shorten(content))
        position = content_end
    if not parts:
        return data
    parts.append(data[position:])
    return b"".join(parts)


def _shorten(content: bytes) -> bytes:
    """The first bytes of an element's text, cut on a character and entity boundary."""
    cdata = content.startswith(b"<![CDATA[")
    inner = content[len(b"<![CDATA[") :] if cdata else content
    cut = inner[:AUTHOR_FIELD_CAP]
    while cut and (cut[-1] & 0xC0) == 0x80:
        cut = cut[:-1]
    if cut and cut[-1] >= 0xC0:
        cut = cut[:-1]
    if cdata:
        return b"<![CDATA[" + cut.replace(b"]]>", b"") + b"]]>"
    amp = cut.rfind(b"&")
    if amp != -1 and b";" not in cut[amp:]:
        cut = cut[:amp]
    return cut
