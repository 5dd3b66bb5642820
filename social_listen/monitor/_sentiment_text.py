"""Text preparation shared by the sentiment rules and intent detection.

Undoing double escaping in exported posts, unifying apostrophes, folding diacritics, and the
emoji handling: every emoji sequence (with skin tones and variation selectors) becomes a token of
its own, valued by an explicit table for the common ones and otherwise by VADER's lexicon over
the emoji's English description from the installed ``vaderSentiment`` wheel.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from social_listen.monitor._vader import emoji_lexicon, vader_lexicon

__all__ = ["MODIFIERS", "clean_text", "emoji_valences", "fold_diacritics", "space_emoji"]

_APOSTROPHE_RE = re.compile("[\u2019\u2018\u02bc\u00b4`]")
MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
_SURROGATE = re.compile("[\ud800-\udfff]")

# Common emoji whose description words carry the wrong valence (or none) in VADER's lexicon;
# valences on the lexicon's -4..4 scale. Everything else falls back to its description.
_EMOJI_OVERRIDES: dict[str, float] = {
    "😂": 1.5,
    "🤣": 1.8,
    "😍": 3.0,
    "🥰": 3.0,
    "😘": 2.4,
    "❤": 3.0,
    "❤️": 3.0,
    "💕": 2.8,
    "💖": 2.8,
    "💗": 2.6,
    "💙": 2.4,
    "💚": 2.4,
    "💜": 2.4,
    "💛": 2.4,
    "🧡": 2.4,
    "😊": 2.4,
    "☺": 2.2,
    "☺️": 2.2,
    "🙂": 1.2,
    "😀": 2.0,
    "😃": 2.2,
    "😄": 2.4,
    "😁": 2.2,
    "😆": 2.0,
    "😎": 1.8,
    "🤩": 3.0,
    "🥳": 2.8,
    "🎉": 2.4,
    "👍": 1.8,
    "👏": 2.0,
    "🙌": 2.2,
    "💪": 1.8,
    "🔥": 1.5,
    "💯": 1.8,
    "✨": 1.2,
    "⭐": 1.2,
    "🌟": 1.6,
    "👌": 1.6,
    "✅": 1.0,
    "🙏": 1.0,
    "😉": 1.4,
    "😋": 2.0,
    "🤗": 2.2,
    "😇": 1.8,
    "💔": -2.8,
    "😢": -2.2,
    "😭": -1.8,
    "😞": -2.0,
    "😔": -1.8,
    "😟": -1.8,
    "😕": -1.4,
    "🙁": -1.6,
    "☹": -2.0,
    "☹️": -2.0,
    "😠": -2.6,
    "😡": -3.0,
    "🤬": -3.4,
    "😤": -2.0,
    "👎": -2.0,
    "🙄": -1.6,
    "😒": -1.8,
    "😩": -2.0,
    "😫": -2.0,
    "🤮": -3.0,
    "🤢": -2.4,
    "💩": -2.2,
    "😱": -1.6,
    "😨": -1.8,
    "😰": -1.8,
    "😖": -2.0,
    "😣": -1.8,
    "😬": -1.0,
    "🤦": -1.8,
    "🤦‍♂️": -1.8,
    "🤦‍♀️": -1.8,
    "😑": -0.8,
    "😐": -0.4,
    "❌": -1.2,
    "⚠": -1.0,
    "⚠️": -1.0,
    "🤡": -1.6,
    "😪": -1.2,
    "🥺": -0.6,
    "🥲": 0.4,
    "😅": 0.6,
}


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold_diacritics(text: str) -> str:
    """Lower-case and strip combining marks (``ő`` -> ``o``, ``ş`` and ``ș`` -> ``s``).

    Examples:
        >>> fold_diacritics("Nagyon JÓ, şi ţară")
        'nagyon jo, si tara'
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFD", lowered))


def clean_text(text: str) -> str:
    r"""Undo double-escaping seen in exported posts (``\u2019``, ``&amp;``) and unify apostrophes."""
    if "\\u" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
        if _SURROGATE.search(text):  # an escaped emoji is a pair: \ud83d\ude02
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if "&" in text:
        text = html.unescape(text)
    if "`" in text or not text.isascii():
        text = _APOSTROPHE_RE.sub("'", text)
    return text


@lru_cache(maxsize=1)
def emoji_valences() -> Mapping[str, float]:
    """Emoji sequence -> valence: the explicit table, else VADER's lexicon over its description."""
    lexicon = vader_lexicon()
    table: dict[str, float] = {}
    for emoji, description in emoji_lexicon().items():
        words = re.split(r"[\s:,\-]+", description.lower())
        value = sum(lexicon.get(w, 0.0) for w in words)
        if value:
            table[emoji] = max(-3.0, min(3.0, value))
    table.update(_EMOJI_OVERRIDES)
    return table


@lru_cache(maxsize=1)
def _emoji_index() -> dict[str, tuple[str, ...]]:
    """First character -> emoji sequences starting with it, longest first."""
    index: dict[str, list[str]] = {}
    for key in set(emoji_lexicon()) | set(_EMOJI_OVERRIDES):
        index.setdefault(key[0], []).append(key)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_NON_LATIN = re.compile(r"[^\x00-\x7f\u00c0-\u024f]")


@lru_cache(maxsize=1)
def _emoji_start() -> re.Pattern[str]:
    """Where an emoji sequence (or a keycap mark) may start: non-ASCII, not a Latin letter.

    Skipping accented letters (most non-ASCII characters of a Hungarian or Romanian post) in
    C rather than one Python step each; used only while no emoji starts with such a letter.
    """
    if any("\u00c0" <= c <= "\u024f" for c in _emoji_index()):
        return _NON_ASCII
    return _NON_ASCII_NON_LATIN


_KEYCAP = re.compile(r"[0-9#*]\ufe0f?\u20e3")


def space_emoji(text: str) -> str:
    """Surround each emoji sequence (with trailing skin tones / variation selectors) by spaces."""
    if text.isascii():
        return text
    index = _emoji_index()
    search = _emoji_start().search
    out: list[str] = []
    last = 0
    n = len(text)
    pos = 0
    while True:
        found = search(text, pos)
        if found is None:
            break
        i = found.start()
        if i > 0 and text[i] == "\u20e3" and _KEYCAP.match(text, max(0, i - 2)):
            pos = i + 1  # a keycap (1️⃣) reads as its digit, no valence
            continue
        end = 0
        for key in index.get(text[i], ()):
            if text.startswith(key, i):
                end = i + len(key)
                break
        if not end:
            pos = i + 1
            continue
        while end < n and MODIFIERS.match(text[end]):
            end += 1
        out.append(text[last:i])
        out.append(f" {text[i:end]} ")
        last = pos = end
    out.append(text[last:])
    return "".join(out)
