"""Text normalization for matching, kept beside the original text.

Matching runs on a folded copy of the text: NFKC, case folding, diacritics removed (Romanian
ş/ș and ţ/ț, Hungarian õ/ő and û/ű all fold to the same base letter), invisible characters
(zero-width, soft hyphen, bidi controls, variation selectors) removed. Every folded character
remembers where it came from in the original, so matched spans can be shown in the text the
user sees. Two flags tell a reviewer that someone may be dodging filters: ``obfuscated``
(invisible characters inside a word, fullwidth or mathematical letters) and ``lookalike``
(a word mixing Latin letters with Cyrillic or Greek homoglyphs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from social_listen.core._chunk_cache import CHUNK_CACHE_LONGEST, CHUNK_CACHE_MAX_ENTRIES, ChunkCache

__all__ = [
    "NormalizedText",
    "chunks_flags",
    "fold",
    "fold_chunk",
    "fold_words",
    "normalization_flags",
    "normalize",
    "skeleton",
    "utf8_chunks",
    "word_string",
]

WORD_RE = re.compile(r"\w+")

# Characters that render as nothing; removing them is what makes "Ac\u200bme" match "acme".
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space/joiners, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # byte order mark
    (0xFFA0, 0xFFA0),
    (0xE0000, 0xE007F),  # tags
    (0xE0100, 0xE01EF),  # variation selectors supplement
)

# Letters that do not decompose under NFD but have an obvious ASCII base.
_SPECIAL_FOLD = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "æ": "ae",
    "œ": "oe",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŀ": "l",
}

# Homoglyphs of Latin letters (Cyrillic and Greek), used only for the lookalike skeleton.
_CONFUSABLES = {
    **dict(zip("аеорсухіјѕԁӏһԛԝ", "aeopcyxijsdlhqw", strict=True)),
    **dict(zip("АВЕКМНОРСТХІЈЅ", "abekmhopctxijs", strict=True)),
    **dict(zip("οικνρτυχ", "oikvptux", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "abezhikmnoptyx", strict=True)),
}
_CONFUSABLE_RE = re.compile("[" + "".join(_CONFUSABLES) + "]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_SPACED_RE = re.compile(r"(?<!\w)(?:\w[ .\-_*]){2,}\w(?!\w)")


def _is_invisible(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _INVISIBLE_RANGES)


def _is_compat_letter(char: str) -> bool:
    code = ord(char)
    return 0xFF01 <= code <= 0xFF5E or 0x1D400 <= code <= 0x1D7FF or 0x24B6 <= code <= 0x24E9


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes each character's folding once, on first use."""

    def __missing__(self, code: int) -> str:
        value = _fold_char(chr(code))
        self[code] = value
        return value


def _fold_char(char: str) -> str:
    code = ord(char)
    if _is_invisible(code):
        return ""
    out = []
    for piece in unicodedata.normalize("NFKC", char).casefold():
        for base in unicodedata.normalize("NFD", piece):
            if unicodedata.category(base) in ("Mn", "Me"):
                continue
            out.append(_SPECIAL_FOLD.get(base, base))
    return "".join(out)


_TABLE = _FoldTable()


class _WordTable(dict[int, str]):
    """Like the fold table, with every character that is not part of a word mapped to a space.

    ``text.translate(WORD_TABLE).split()`` equals ``WORD_RE.findall(fold(text))`` in one pass.
    """

    def __missing__(self, code: int) -> str:
        value = _NON_WORD_RE.sub(" ", _fold_char(chr(code)))
        self[code] = value
        return value


_NON_WORD_RE = re.compile(r"\W")
_ASCII_WORD_TABLE = str.maketrans(
    {chr(i): (chr(i).lower() if chr(i).isalnum() or chr(i) == "_" else " ") for i in range(128)}
)
_WORD_TABLE = _WordTable()


def fold_words(text: str) -> list[str]:
    """The folded words of ``text``: the same as ``WORD_RE.findall(fold(text))``, faster.

    Examples:
        >>> fold_words("Ｔhe ACME-phone, Győr!")
        ['the', 'acme', 'phone', 'gyor']
    """
    if text.isascii():
        return text.translate(_ASCII_WORD_TABLE).split()
    return " ".join(map(_CHUNK_FOLDS.__getitem__, utf8_chunks(text))).split()


def utf8_chunks(text: str) -> list[bytes]:
    """``text`` as UTF-8, cut at ASCII whitespace: the keys of the chunk caches.

    Whitespace folds to a word boundary and never occurs inside a multi-byte character, so
    folding chunk by chunk gives the same words as folding the whole text.
    """
    return text.encode("utf-8", "surrogatepass").split()


def fold_chunk(chunk: bytes) -> str:
    """The folded words of one chunk of :func:`utf8_chunks`, joined by single spaces."""
    return " ".join(chunk.decode("utf-8", "surrogatepass").translate(_WORD_TABLE).split())


# fold_chunk once per distinct chunk: a dict lookup per chunk is several times cheaper than
# str.translate over every character, whose non-ASCII path looks each one up.
_CHUNK_FOLDS: ChunkCache[bytes, str] = ChunkCache(fold_chunk)


def word_string(text: str) -> str:
    """The matcher's word string of ``text``: its folded words joined, a space at each end.

    Equal to ``" " + " ".join(fold_words(text)) + " "``.

    Examples:
        >>> word_string("Love my ACME-phone, Győr!")
        ' love my acme phone gyor '
    """
    if text.isascii():
        return " " + " ".join(text.translate(_ASCII_WORD_TABLE).split()) + " "
    return " " + " ".join(filter(None, map(_CHUNK_FOLDS.__getitem__, utf8_chunks(text)))) + " "


def fold(text: str) -> str:
    """Fold ``text`` for matching: NFKC, case fold, no diacritics, no invisible characters.

    Args:
        text: Any text.

    Returns:
        The folded text (its length may differ from the input's).

    Examples:
        >>> fold("Şoseaua ȘTEFAN cel Mare, Győr, Ａｃｍｅ\u200b!")
        'soseaua stefan cel mare, gyor, acme!'
    """
    if text.isascii():
        return text.lower()
    return text.translate(_TABLE)


def skeleton(text: str) -> str:
    """The lookalike skeleton of ``text``: homoglyphs mapped to Latin, letter spacing closed.

    Used to find brand names written with Cyrillic or Greek lookalike letters or spelled out
    letter by letter ("a c m e"); a match found only in the skeleton is a lookalike match.

    Examples:
        >>> skeleton("Аcme and a c m e")
        'acme and acme'
    """
    mapped = _CONFUSABLE_RE.sub(lambda m: _CONFUSABLES[m.group()], text)
    folded = fold(mapped)
    return _SPACED_RE.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group()), folded)


@dataclass(frozen=True)
class NormalizedText:
    """Text folded for matching, with the way back to the original.

    Attributes:
        original: The text as given.
        text: The folded text (see :func:`fold`).
        offsets: For each index of ``text`` (and one past its end), the index in
            ``original`` it came from.
        flags: ``obfuscated`` and/or ``lookalike`` when the text looks like filter dodging.
    """

    original: str
    text: str
    offsets: tuple[int, ...] = field(repr=False)
    flags: frozenset[str] = frozenset()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the folded text back to the original text.

        Examples:
            >>> n = normalize("Ａ\u200bcme!")
            >>> n.original_span(0, 4)
            (0, 5)
        """
        start = max(0, min(start, len(self.text)))
        end = max(start, min(end, len(self.text)))
        if end == start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1

    @cached_property
    def skeleton(self) -> str:
        """The lookalike skeleton of the original (see :func:`skeleton`)."""
        return skeleton(self.original)


def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` for matching and keep the map back to the original.

    Args:
        text: Any text (a post, a title, a brand name).

    Returns:
        A :class:`NormalizedText` with the folded text, the offsets and the flags.

    Examples:
        >>> n = normalize("Love my Ac\u200bme phone")
        >>> n.text, sorted(n.flags)
        ('love my acme phone', ['obfuscated'])
        >>> n.original[slice(*n.original_span(8, 12))]
        'Ac\u200bme'
        >>> sorted(normalize("Аcme").flags)
        ['lookalike']
    """
    if text.isascii():
        folded = text.lower()
        return NormalizedText(original=text, text=folded, offsets=tuple(range(len(text) + 1)))
    if not text.translate(_ONE_TO_ONE):
        # Every character folds to exactly one character and none is a compatibility letter:
        # the offsets are the identity and only a lookalike word can raise a flag.
        same = frozenset({"lookalike"}) if _has_mixed_script_word(text) else frozenset()
        return NormalizedText(text, text.translate(_TABLE), tuple(range(len(text) + 1)), same)
    return _normalize_each(text)


def _normalize_each(text: str) -> NormalizedText:
    """:func:`normalize` of any text, with Python work only at the odd characters.

    The odd characters (found by ``_ONE_TO_ONE``) are those that do not fold to exactly one
    character, and compatibility letters. An invisible character (one that folds to nothing)
    is obfuscation when the folded text has a letter or digit on both sides of where it was.
    """
    folded = text.translate(_TABLE)
    offsets: list[int] = []
    obfuscated = False
    start = 0
    for char in text.translate(_ONE_TO_ONE):
        index = text.find(char, start)  # every character before it folds one to one
        offsets.extend(range(start, index))
        piece = _TABLE[ord(char)]
        if piece:
            offsets.extend([index] * len(piece))
            obfuscated = obfuscated or _is_compat_letter(char)
        elif not obfuscated:
            at = len(offsets)
            obfuscated = 0 < at < len(folded) and folded[at - 1].isalnum() and folded[at].isalnum()
        start = index + 1
    offsets.extend(range(start, len(text) + 1))
    flags = set()
    if obfuscated:
        flags.add("obfuscated")
    if _has_mixed_script_word(text):
        flags.add("lookalike")
    return NormalizedText(original=text, text=folded, offsets=tuple(offsets), flags=frozenset(flags))


def normalization_flags(text: str) -> frozenset[str]:
    """The ``flags`` of :func:`normalize` without building the offsets (cheaper).

    Both flags are decided within a run of non-whitespace (an invisible character between
    letters, a compatibility letter, a word mixing scripts), so each chunk of
    :func:`utf8_chunks` is looked at once and the chunks without a flag are remembered.

    Examples:
        >>> sorted(normalization_flags("Ac\u200bme and Аcme"))
        ['lookalike', 'obfuscated']
    """
    if text.isascii():
        return frozenset()
    return chunks_flags(utf8_chunks(text))


def chunks_flags(chunks: list[bytes]) -> frozenset[str]:
    """:func:`normalization_flags` of the text cut into ``chunks`` by :func:`utf8_chunks`."""
    unflagged = _UNFLAGGED_CHUNKS
    if unflagged.issuperset(chunks):
        return frozenset()
    flags: set[str] = set()
    for chunk in chunks:
        if chunk in unflagged:
            continue
        piece = chunk.decode("utf-8", "surrogatepass")
        if piece.isascii():
            found: frozenset[str] = frozenset()
        elif piece.translate(_ONE_TO_ONE):
            found = _normalize_each(piece).flags
        else:
            found = frozenset({"lookalike"}) if _has_mixed_script_word(piece) else frozenset()
        if found:
            flags.update(found)
        elif len(chunk) <= CHUNK_CACHE_LONGEST:
            if len(unflagged) >= CHUNK_CACHE_MAX_ENTRIES:
                unflagged.clear()
            unflagged.add(chunk)
    return frozenset(flags)


_UNFLAGGED_CHUNKS: set[bytes] = set()


class _OneToOneTable(dict[int, str]):
    """Deletes the characters that fold to one character and are no compatibility letter.

    ``text.translate(_ONE_TO_ONE) == ""`` therefore means that the folded text lines up with
    the original character for character and that nothing is obfuscated.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = "" if len(_TABLE[code]) == 1 and not _is_compat_letter(char) else char
        self[code] = value
        return value


_ONE_TO_ONE = _OneToOneTable()


def _has_mixed_script_word(text: str) -> bool:
    if not _CONFUSABLE_RE.search(text):
        return False
    for word in WORD_RE.findall(text.translate(_INVISIBLE_DELETE)):
        if _CONFUSABLE_RE.search(word) and _LATIN_RE.search(unicodedata.normalize("NFKC", word)):
            return True
    return False


_INVISIBLE_DELETE = {
    code: None for lo, hi in _INVISIBLE_RANGES for code in range(lo, hi + 1) if hi - lo < 0x100
}
