"""The query lexer: text to tokens, each with its position, atoms already built.

Operators are the upper-case words ``AND``, ``OR``, ``NOT``, ``NEAR/n`` and ``ONEAR/n`` (lower
case ``and`` is a word to search for); ``-`` directly before an operand negates it; ``//``
at the start of a token starts a comment that runs to the end of the line. Everything else
between whitespace, parentheses and double quotes is one atom, classified by its prefix
(``#``, ``@``, ``raw:``, ``author:``...); ``$name`` refers to a reusable list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from social_listen.core import DEFAULT_LIMITS, Limits, QuerySyntaxError, QueryTooComplex
from social_listen.query._ast import FIELD_NAMES, Atom, Field, Handle, Hashtag, Phrase, Raw, Term
from social_listen.query._normalize import WORD_RE, fold

__all__ = ["MAX_FUZZY", "Token", "check_term", "tokenize"]

MAX_FUZZY = 2
"""Largest edit distance a fuzzy term (``word~n``) may ask for."""

TokenKind = Literal["LP", "RP", "AND", "OR", "NOT", "MINUS", "NEAR", "ATOM", "LIST", "EOF"]

_NEAR_RE = re.compile(r"(O?)NEAR/(\S*)")
_FUZZY_RE = re.compile(r"^(.*?)~(\d*)$", re.DOTALL)
_STOP = frozenset('()"')
_LIST_RE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, position, and for ``ATOM``/``NEAR`` its payload."""

    kind: TokenKind
    pos: int
    atom: Atom | None = None
    name: str = ""
    distance: int = 0
    ordered: bool = False


def _error(message: str, text: str, pos: int, hint: str | None = None) -> QuerySyntaxError:
    return QuerySyntaxError(message, text=text, position=pos, hint=hint)


def searchable_words(value: str) -> list[str]:
    """The folded words a term or phrase value matches (wildcards kept inside words)."""
    return re.findall(r"[\w*?]+", fold(value))


def check_term(term: Term, text: str) -> None:
    """Raise :class:`QuerySyntaxError` when ``term`` cannot match anything sensible."""
    words = searchable_words(term.value)
    if not words:
        raise _error(f"the term {term.value!r} has no letters or digits to search for", text, term.pos)
    if term.is_wildcard and len(words) > 1:
        raise _error(
            f"a wildcard term must be one word, got {term.value!r}",
            text,
            term.pos,
            hint="wildcards match inside one word; use a phrase or NEAR/0 for several words",
        )
    if term.fuzzy is not None:
        if term.is_wildcard or len(words) > 1:
            raise _error(f"fuzzy matching (~n) needs one plain word, got {term.value!r}", text, term.pos)
        if term.fuzzy < 0:  # pragma: no cover - the lexer only builds 0 (automatic), 1 or 2
            raise _error("the fuzzy distance cannot be negative", text, term.pos)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a double-quoted string starting at ``text[start] == '"'``; return value, end."""
    out: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
            out.append(text[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(out), index + 1
        out.append(char)
        index += 1
    raise _error(
        "unbalanced double quote", text, start, hint='close the phrase with " (write \\" for a quote inside)'
    )


def _classify(word: str, pos: int, text: str) -> Atom:
    if word.startswith("#"):
        if not WORD_RE.search(word[1:]):
            raise _error("a hashtag needs a name after #", text, pos)
        return Hashtag(word[1:], pos=pos)
    if word.startswith("@"):
        if not WORD_RE.search(word[1:]):
            raise _error("a handle needs a name after @", text, pos)
        return Handle(word[1:], pos=pos)
    name, colon, value = word.partition(":")
    if colon and name in FIELD_NAMES:
        if not value:
            raise _error(f"the field {name}: needs a value", text, pos + len(word))
        return Field(name, value, pos=pos)
    if colon and name == "raw":
        if not WORD_RE.search(value):
            raise _error("raw: needs a word or a quoted phrase", text, pos + len(word))
        return Raw(value, pos=pos)
    fuzzy: int | None = None
    match = _FUZZY_RE.match(word)
    if match and match.group(1):
        word = match.group(1)
        fuzzy = int(match.group(2)) if match.group(2) else 0
        if match.group(2) and fuzzy == 0:
            raise _error("~0 asks for no typos", text, pos + len(word), hint="write word~, word~1 or word~2")
        if fuzzy > MAX_FUZZY:
            raise QueryTooComplex(
                f"fuzzy distance {fuzzy} is over the maximum {MAX_FUZZY}",
                hint="use word~1 or word~2; larger distances match almost anything",
            )
    term = Term(word, fuzzy=fuzzy, pos=pos)
    check_term(term, text)
    return term


def tokenize(text: str, *, limits: Limits = DEFAULT_LIMITS) -> list[Token]:
    """Split query text into tokens, ending with an ``EOF`` token.

    Raises:
        QuerySyntaxError: Unbalanced quotes, bad operators, empty atoms.
        QueryTooComplex: Too long, too many terms, NEAR distance or fuzziness over the limit.
    """
    if len(text) > limits.max_query_length:
        raise QueryTooComplex(
            f"the query has {len(text)} characters, over the limit of {limits.max_query_length}"
        )
    tokens: list[Token] = []
    atoms = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char.isspace():
            index += 1
            continue
        start = index
        if char == "(":
            tokens.append(Token("LP", start))
            index += 1
            continue
        if char == ")":
            tokens.append(Token("RP", start))
            index += 1
            continue
        if text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline == -1 else newline + 1
            continue
        if char == "-" and index + 1 < length and not text[index + 1].isspace() and text[index + 1] != ")":
            tokens.append(Token("MINUS", start))
            index += 1
            continue
        atom: Atom
        if char == '"':
            value, index = _read_quoted(text, index)
            if not WORD_RE.search(fold(value)):
                raise _error("the phrase has no letters or digits to search for", text, start)
            atom = Phrase(value, pos=start)
        else:
            while index < length and not text[index].isspace() and text[index] not in _STOP:
                index += 1
            word = text[start:index]
            prefix, colon, rest = word.partition(":")
            if (
                colon
                and not rest
                and index < length
                and text[index] == '"'
                and prefix in (*FIELD_NAMES, "raw")
            ):
                value, index = _read_quoted(text, index)
                if prefix == "raw":
                    if not WORD_RE.search(value):
                        raise _error("raw: needs a word or a quoted phrase", text, start)
                    atom = Raw(value, quoted=True, pos=start)
                else:
                    if not value:
                        raise _error(f"the field {prefix}: needs a value", text, start)
                    atom = Field(prefix, value, quoted=True, pos=start)
            elif word in ("AND", "OR", "NOT"):
                tokens.append(Token(word, start))  # type: ignore[arg-type]
                continue
            elif (near := _NEAR_RE.fullmatch(word)) is not None:
                digits = near.group(2)
                if not digits.isdigit() or not digits.isascii():
                    raise _error(
                        f"{word!r}: NEAR needs a distance in words", text, start, hint="write NEAR/5"
                    )
                distance = int(digits)
                if distance > limits.max_near_distance:
                    raise QueryTooComplex(
                        f"NEAR/{distance} is over the limit of {limits.max_near_distance} words"
                    )
                tokens.append(Token("NEAR", start, distance=distance, ordered=bool(near.group(1))))
                continue
            elif word in ("NEAR", "ONEAR"):
                raise _error(f"{word} needs a distance in words", text, start, hint=f"write {word}/5")
            elif word == "-":
                raise _error("'-' must be directly followed by what it excludes", text, start)
            elif word.startswith("$"):
                if not _LIST_RE.fullmatch(word):
                    raise _error(
                        f"{word!r} is not a list name", text, start, hint="write $name: letters, digits, _"
                    )
                tokens.append(Token("LIST", start, name=word[1:]))
                continue
            else:
                atom = _classify(word, start, text)
        atoms += 1
        if atoms > limits.max_query_terms:
            raise QueryTooComplex(f"the query has more than {limits.max_query_terms} terms")
        tokens.append(Token("ATOM", start, atom=atom))
    tokens.append(Token("EOF", length))
    return tokens
