"""storage.search.snippet normalises only the prefix of a text it needs: its answer is the one the
whole normalised text gives, for any text and terms (matches early, late, overlapping, straddling
the prefixes it tries, text that normalisation drops or widens)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.search import _snippet_of, snippet
from storage.textnorm import normalize, normalize_with_offsets

# Few distinct characters, so terms match often and overlap; spaces and a newline are dropped by
# normalisation, ＡＢ and ㍱ change or widen under NFKC, 資 is traditional.
ALPHABET = "行政复议公开 \n　ＡＢab資㍱，"


def whole(original: str, terms: list[str], width: int) -> tuple:
    return _snippet_of(original, *normalize_with_offsets(original), [t for t in dict.fromkeys(terms) if t], width)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=3000), st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=6),
                                                          max_size=3),
       st.sampled_from([5, 40, 120]))
def test_snippet_from_a_prefix_equals_the_whole_texts(original: str, raw_terms: list[str], width: int) -> None:
    terms = [normalize(term) for term in raw_terms]
    assert snippet(original, terms, width) == whole(original, terms, width)


def test_snippet_of_a_late_match_in_a_long_text() -> None:
    original = "开" * 5000 + "行政 复议" + "公" * 5000
    assert snippet(original, ["行政复议"]) == whole(original, ["行政复议"], 120)
    assert ("行政 复议", True) in snippet(original, ["行政复议"])


def test_snippet_sees_a_match_straddling_the_prefix_it_tried_first() -> None:
    # A long term crossing the end of a tried prefix starts before a short one found inside it:
    # the snippet must start at the long one, as the whole text's does.
    checked = 0
    for width in (5, 40, 120):
        for offset in range(4 * width - 8, 4 * width + 2):
            for filler in ("开", " ", "ＡＢ"):
                original = (filler * offset)[:offset] + "行政复议公开" + "资" * (10 * width)
                for terms in (["行政复议公开", "政"], ["政", "行政复议公开"], ["公开", "行政复议公开"]):
                    assert snippet(original, terms, width) == whole(original, terms, width), (width, offset, filler)
                    checked += 1
    assert checked == 270
