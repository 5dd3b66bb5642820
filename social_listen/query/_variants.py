"""Generated variants of a brand name: the spellings people really type.

Case and diacritics need no variants (the text is folded before matching); punctuation inside
a name ("car-sharing", "Acme's") splits into words like the text does. What remains to
generate: the joined form of a multi-word name ("carsharing", which also covers #carsharing
and @carsharing), the split form of a CamelCase name ("SmartThings" -> "smart things"),
plurals, and typos. Typos (keyboard neighbours, swapped, doubled and dropped letters) are
matched by an automatic fuzzy atom (``name~``, see ``_typo``) whose allowance grows with the
name's length;
:func:`typo_variants` lists the common ones for reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from social_listen.query._normalize import WORD_RE, fold
from social_listen.query._typo import typo_budget

__all__ = ["Variant", "brand_variants", "typo_variants"]

_QWERTY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _neighbours() -> dict[str, str]:
    out: dict[str, set[str]] = {}
    for r, row in enumerate(_QWERTY_ROWS):
        for c, char in enumerate(row):
            near = out.setdefault(char, set())
            for dr in (-1, 0, 1):
                rr = r + dr
                if not 0 <= rr < len(_QWERTY_ROWS):
                    continue
                for dc in (-1, 0, 1):
                    cc = c + dc
                    if (dr or dc) and 0 <= cc < len(_QWERTY_ROWS[rr]):
                        near.add(_QWERTY_ROWS[rr][cc])
    return {k: "".join(sorted(v)) for k, v in out.items()}


KEYBOARD_NEIGHBOURS = _neighbours()
"""QWERTY keys around each key (used to list keyboard typos)."""


@dataclass(frozen=True)
class Variant:
    """One generated form of a brand term.

    Attributes:
        text: The form, folded (``"carsharing"``), or ``word~k`` for the fuzzy atom.
        kind: ``name``, ``joined``, ``split``, ``plural`` or ``fuzzy``.
        source: The profile term it came from.
    """

    text: str
    kind: str
    source: str


def brand_variants(term: str, *, fuzzy: bool = True) -> list[Variant]:
    """The variants matched for one brand name, alias or product.

    Args:
        term: The name as written by the user ("Car Sharing", "SmartThings").
        fuzzy: Add the automatic fuzzy atom (``name~``) for one-word names of 5+ letters.

    Examples:
        >>> [(v.text, v.kind) for v in brand_variants("SmartThings")]  # doctest: +NORMALIZE_WHITESPACE
        [('smartthings', 'name'), ('smart things', 'split'),
         ('smartthingses', 'plural'), ('smartthings~', 'fuzzy')]
        >>> [(v.text, v.kind) for v in brand_variants("car sharing", fuzzy=False)]
        [('car sharing', 'name'), ('carsharing', 'joined')]
    """
    words = WORD_RE.findall(fold(term))
    if not words:
        return []
    out = [Variant(" ".join(words), "name", term)]
    if len(words) > 1:
        out.append(Variant("".join(words), "joined", term))
    else:
        split = WORD_RE.findall(fold(_CAMEL_RE.sub(" ", term)))
        if len(split) > 1:
            out.append(Variant(" ".join(split), "split", term))
    last = words[-1]
    if len(words) == 1 and not last.isdigit() and len(last) >= 3:
        plural = last + ("es" if last.endswith(("s", "x", "z", "ch", "sh")) else "s")
        out.append(Variant(plural, "plural", term))
    if fuzzy and len(words) == 1 and typo_budget(last):
        out.append(Variant(f"{last}~", "fuzzy", term))
    return out


def typo_variants(word: str) -> list[str]:
    """Common one-edit typos of ``word``: keyboard neighbours, swaps, doubled and dropped letters.

    Examples:
        >>> "acem" in typo_variants("acme"), "acmme" in typo_variants("acme")
        (True, True)
    """
    word = fold(word)
    out: dict[str, None] = {}
    for i, char in enumerate(word):
        for near in KEYBOARD_NEIGHBOURS.get(char, ""):
            out[word[:i] + near + word[i + 1 :]] = None
        out[word[:i] + word[i + 1 :]] = None
        out[word[:i] + char + word[i:]] = None
        if i + 1 < len(word) and word[i + 1] != char:
            out[word[:i] + word[i + 1] + char + word[i + 2 :]] = None
    out.pop(word, None)
    return [v for v in out if v]
