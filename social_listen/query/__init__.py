"""The query language, brand profiles, text normalization and the compiled matcher.

``parse(text)`` turns query text into a :class:`ParsedQuery` (an AST with ``.matches()``);
``unparse``, ``lint`` and ``explain`` treat the query as code; :class:`BrandProfile` compiles
a brand's names, products and handles with generated variants; :class:`MatcherSet` matches
thousands of named queries against a stream in one pass per post; ``to_native`` compiles a
query to each platform's search syntax; ``normalize`` folds text for matching.
"""

from __future__ import annotations

from social_listen.query._ast import (
    FIELD_NAMES,
    And,
    Field,
    Handle,
    Hashtag,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Raw,
    Term,
    iter_atoms,
    iter_nodes,
)
from social_listen.query._brands import BrandProfile, VariantReport
from social_listen.query._explain import AtomExplanation, Explanation, explain
from social_listen.query._guard import common_words, is_common_word, is_ordinary_word, zipf
from social_listen.query._lint import LintWarning, lint
from social_listen.query._matcher import MatcherSet, MatchSpan, ScanResult
from social_listen.query._native import PLATFORMS, NativeQuery, to_native
from social_listen.query._normalize import NormalizedText, fold, normalize, skeleton
from social_listen.query._query import ParsedQuery, parse
from social_listen.query._testing import QueryEvaluation, assert_query, evaluate_query
from social_listen.query._typo import typo_budget, typo_distance
from social_listen.query._unparse import unparse
from social_listen.query._variants import Variant, brand_variants, typo_variants
from social_listen.query._wildcard import glob_match

__all__ = [
    "FIELD_NAMES",
    "PLATFORMS",
    "And",
    "AtomExplanation",
    "BrandProfile",
    "Explanation",
    "Field",
    "Handle",
    "Hashtag",
    "LintWarning",
    "MatchSpan",
    "MatcherSet",
    "NativeQuery",
    "Near",
    "Node",
    "NormalizedText",
    "Not",
    "Or",
    "ParsedQuery",
    "Phrase",
    "QueryEvaluation",
    "Raw",
    "ScanResult",
    "Term",
    "Variant",
    "VariantReport",
    "assert_query",
    "brand_variants",
    "common_words",
    "evaluate_query",
    "explain",
    "fold",
    "glob_match",
    "is_common_word",
    "is_ordinary_word",
    "iter_atoms",
    "iter_nodes",
    "lint",
    "normalize",
    "parse",
    "skeleton",
    "to_native",
    "typo_budget",
    "typo_distance",
    "typo_variants",
    "unparse",
    "zipf",
]
