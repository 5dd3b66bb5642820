"""A post prepared for matching: folded word string, metadata, and lazily built extras.

The matcher scans one string, ``words``: the folded words of the title and text joined by
single spaces with a space at each end (``" love my acme phone "``). Word boundaries are then
part of the patterns (``" acme "``), a phrase is its words with single spaces, and the word
index of a hit is a count of spaces before it. Everything else (hashtags, handles, URLs, the
case-sensitive word string, the offsets back to the original) is built only when a query
asks for it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from social_listen.core import Mention
from social_listen.query._normalize import (
    _CONFUSABLE_RE,
    _INVISIBLE_DELETE,
    WORD_RE,
    NormalizedText,
    fold,
    normalization_flags,
    normalize,
    skeleton,
    word_string,
)

__all__ = ["Document", "words_string"]

_HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)")
_HANDLE_RE = re.compile(r"(?<![\w.])@(\w+(?:[.\-]\w+)*)")
_URL_RE = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
# What the skeleton's letter-spacing pattern (_normalize._SPACED_RE: three or more single
# letters joined by one of " .-_*") leaves in a word string: letters joined by " " or "_".
_SPACED_WORDS_RE = re.compile(r" \w[ _]\w(?:[ _]\w)+ ")


def words_string(folded: str) -> str:
    """The matcher's word string of already folded text: ``" w1 w2 ... "``."""
    return " " + " ".join(WORD_RE.findall(folded)) + " "


class Document:
    """One mention or text, ready to match.

    Args:
        item: A :class:`~social_listen.core.Mention` or plain text.
        max_chars: Text beyond this many characters is not matched (flag ``text_capped``).
        words: ``word_string`` of the uncapped combined text, if the caller already has it.
    """

    def __init__(self, item: Mention | str, *, max_chars: int, words: str | None = None) -> None:
        self.mention: Mention | None = None
        if isinstance(item, str):
            self.title = ""
            self.body = item
        else:
            self.mention = item
            self.title = item.title or ""
            self.body = item.text or ""
        combined = f"{self.title}\n{self.body}" if self.title else self.body
        self.capped = len(combined) > max_chars
        self.combined = combined[:max_chars] if self.capped else combined
        self.words = words if words is not None and not self.capped else word_string(self.combined)

    @cached_property
    def word_list(self) -> list[str]:
        """The folded words, in order (``words`` split)."""
        return self.words.split()

    @cached_property
    def folded(self) -> str:
        """The folded title and text (punctuation kept), for hashtags and handles."""
        if "normalized" in self.__dict__:
            return self.normalized.text
        return fold(self.combined)

    @property
    def title_offset(self) -> int:
        """Where the body starts in ``combined`` (0 without a title)."""
        return len(self.title) + 1 if self.title else 0

    @cached_property
    def language(self) -> str | None:
        """The detected language, else the platform's claim, else None."""
        if self.mention is None:
            return None
        return self.mention.detected_language or self.mention.language

    @cached_property
    def hashtags(self) -> frozenset[str]:
        """Folded hashtags of the text and the mention's ``hashtags`` field."""
        tags = set(_HASHTAG_RE.findall(self.folded))
        if self.mention is not None:
            tags.update(fold(t.lstrip("#")) for t in self.mention.hashtags)
        return frozenset(tags)

    @cached_property
    def handles(self) -> frozenset[str]:
        """Folded @handles of the text and the mention's ``mentioned_handles`` field."""
        handles = set(_HANDLE_RE.findall(self.folded))
        if self.mention is not None:
            handles.update(fold(h.lstrip("@")) for h in self.mention.mentioned_handles)
        return frozenset(handles)

    @cached_property
    def urls(self) -> tuple[str, ...]:
        """Folded URLs: the mention's url and links, then URLs written in the text."""
        out: list[str] = []
        if self.mention is not None:
            out.extend(u for u in (self.mention.url, *self.mention.links) if u)
        out.extend(_URL_RE.findall(self.combined))
        return tuple(fold(u) for u in out)

    @cached_property
    def hosts(self) -> tuple[str, ...]:
        """Host names of :attr:`urls`, without a leading ``www.``."""
        out = []
        for url in self.urls:
            try:
                host = urlsplit(url).hostname or ""
            except ValueError:
                continue
            out.append(host.removeprefix("www."))
        return tuple(out)

    @cached_property
    def raw_words(self) -> str:
        """The case-preserving word string (NFC, invisible characters removed)."""
        clean = unicodedata.normalize("NFC", self.combined.translate(_INVISIBLE_DELETE))
        return " " + " ".join(WORD_RE.findall(clean)) + " "

    @cached_property
    def normalized(self) -> NormalizedText:
        """The full normalization of the combined text (offsets and flags)."""
        return normalize(self.combined)

    @cached_property
    def word_spans(self) -> list[tuple[int, int]]:
        """For each word, its ``[start, end)`` in the folded text."""
        # normalized.text is the folded text; the spans are mapped back through its offsets.
        return [m.span() for m in WORD_RE.finditer(self.normalized.text)]

    @cached_property
    def flags(self) -> frozenset[str]:
        """The normalization flags (``obfuscated``, ``lookalike``) of the combined text."""
        if "normalized" in self.__dict__:
            return self.normalized.flags
        return normalization_flags(self.combined)

    @cached_property
    def skeleton_words(self) -> str:
        """The word string of the lookalike skeleton (homoglyphs mapped, spacing closed).

        ``words`` itself when the text has no homoglyph and no run of single letters (the
        skeleton then folds to the same words), which is the common case.
        """
        if not _CONFUSABLE_RE.search(self.combined) and not _SPACED_WORDS_RE.search(self.words):
            return self.words
        return words_string(skeleton(self.combined))

    def field_values(self, name: str) -> tuple[str, ...]:
        """Folded values a field filter is compared with."""
        mention = self.mention
        if name in ("url",):
            return self.urls
        if name == "site":
            return self.hosts
        if mention is None:
            return ()
        if name == "author":
            author = mention.author
            if author is None:
                return ()
            return tuple(fold(v.lstrip("@")) for v in (author.handle, author.name) if v)
        if name == "lang":
            return tuple(fold(v) for v in (mention.language, mention.detected_language) if v)
        if name == "source":
            return (fold(mention.source),)
        if name == "country":
            extras: Any = mention.extras
            values = [extras.get(k) for k in ("country", "sourcecountry", "country_code")]
            return tuple(fold(str(v)) for v in values if v)
        return ()  # pragma: no cover - the lexer only builds known fields

    def original_span_words(self, first: int, last: int) -> tuple[str, int, int]:
        """Map the words ``first..last`` (inclusive indexes) to (field, start, end) in the original.

        ``field`` is ``"title"`` or ``"text"``; offsets are into that field's string.
        """
        spans = self.word_spans
        if not spans:
            return ("text", 0, 0)
        first = min(max(first, 0), len(spans) - 1)
        last = min(max(last, first), len(spans) - 1)
        o_start, _ = self.normalized.original_span(spans[first][0], spans[first][1])
        _, o_end = self.normalized.original_span(spans[last][0], spans[last][1])
        body_at = self.title_offset
        if self.title and o_start < body_at:
            return ("title", o_start, min(o_end, len(self.title)))
        return ("text", o_start - body_at, o_end - body_at)
