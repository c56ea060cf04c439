"""Search normalisation: the one mapping that both indexed text and queries go through.

Character by character: NFKC (full-width ＡＢＣ１２３ and （） become ABC123 and ()), lower case,
traditional to simplified (OpenCC's `t2s` applied to the single character, so 資訊 and 资讯 meet),
and whitespace, zero-width and control characters dropped (PDF text breaks lines in the middle
of words: 行政复\\n议 must still be found as 行政复议). Per character, not per phrase, so that the
same character always normalises the same way wherever it stands, in a report or in a query,
and so that every normalised character can be traced back to the original character it came
from (`normalize_with_offsets`), which is how snippets highlight the original text.

The mapping is built lazily per distinct character and cached: `normalize` runs at
`str.translate` speed after the first few thousand distinct characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import numpy as np
import opencc

_T2S = opencc.OpenCC("t2s.json")
_DROPPED_CATEGORIES = {"Zs", "Zl", "Zp", "Cc", "Cf"}  # whitespace, control, zero-width/format


@cache
def normalize_char(char: str) -> str:
    """What one character becomes in the search index ("" when it is dropped)."""
    out = []
    for piece in unicodedata.normalize("NFKC", char):
        if piece.isspace() or unicodedata.category(piece) in _DROPPED_CATEGORIES:
            continue
        # lower() may give two characters (İ -> i and a combining dot): each is taken on its own
        for lowered in piece.lower():
            if ord(lowered) > 0x2E7F:  # CJK and beyond: the only characters OpenCC changes
                lowered = _T2S.convert(lowered)
            out.append(lowered)
    return "".join(out)


class _Table(dict):
    """A `str.translate` table that fills itself in on first sight of each character."""

    def __missing__(self, codepoint: int) -> str:
        value = normalize_char(chr(codepoint))
        self[codepoint] = value
        return value


_TABLE = _Table()


def normalize(text: str) -> str:
    """The text as the index holds it."""
    return text.translate(_TABLE)


class _Widths(dict):
    """A `str.translate` table: each character to chr(how many characters it normalises to)."""

    def __missing__(self, codepoint: int) -> str:
        value = chr(len(normalize_char(chr(codepoint))))
        self[codepoint] = value
        return value


_WIDTHS = _Widths()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The normalised text, and for each of its characters the index in `text` it came from."""
    fast = _offsets_by_table(text)
    if fast is not None:
        return fast
    normalized = text.translate(_TABLE)
    widths = np.frombuffer(text.translate(_WIDTHS).encode("utf-32-le"), dtype=np.uint32)
    return normalized, np.repeat(np.arange(len(text)), widths).tolist()  # index i, width(i) times


# The same mapping as arrays over the Basic Multilingual Plane, for the snippets of a search page
# (bench/web.py: str.translate through the self-filling tables was ~0.2 us a character, most of
# a page's snippets): what each character normalises to when that is one character, and to how
# many characters (255: not seen yet). Filled from normalize_char on first sight, like the tables.
_BMP = 0x10000
_UNSEEN = 255
_width = np.full(_BMP, _UNSEEN, dtype=np.uint8)
_single = np.zeros(_BMP, dtype=np.uint32)


def _offsets_by_table(text: str) -> tuple[str, list[int]] | None:
    """normalize_with_offsets for text in the BMP whose characters each normalise to at most one
    character (nearly all text); None for the rest."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not codes.size or codes.max() >= _BMP:
        return None
    widths = _width[codes]
    unseen = widths == _UNSEEN
    if unseen.any():
        for code in np.unique(codes[unseen]).tolist():
            out = normalize_char(chr(code))
            if len(out) == 1:
                _single[code] = ord(out)  # before its width: a reader that sees the width sees it
            _width[code] = min(len(out), _UNSEEN - 1)
        widths = _width[codes]
    if widths.max() > 1:
        return None
    kept = widths == 1
    return _single[codes[kept]].tobytes().decode("utf-32-le"), np.flatnonzero(kept).tolist()


_WORD_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script: str.isalnum()


def word_runs(normalized: str) -> list[str]:
    """Maximal runs of letters and digits in normalised text (punctuation separates runs)."""
    return _WORD_RUN.findall(normalized)


def short_grams(normalized: str) -> tuple[list[str], list[str]]:
    """The distinct 1-character and 2-character substrings of letters and digits, each sorted:
    what lets a 1 or 2 character term be found through an index (the trigram index cannot)."""
    unigrams: set[str] = set()
    bigrams: set[str] = set()
    for run in word_runs(normalized):
        unigrams.update(run)
        bigrams.update(map(str.__add__, run, run[1:]))
    return sorted(unigrams), sorted(bigrams)
