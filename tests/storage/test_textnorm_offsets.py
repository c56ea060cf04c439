"""storage.textnorm.normalize_with_offsets by arrays over the BMP (the snippets' fast path) gives
what the per-character translation gives: the same normalised text and the same origins, for text
that normalisation drops (spaces, controls), changes (full width, traditional), widens (㍱, ﷺ) or
that lies beyond the BMP."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.textnorm import _TABLE, _WIDTHS, normalize_with_offsets


def by_translation(text: str) -> tuple[str, list[int]]:
    """The reference: each character through the translation tables, one at a time."""
    widths = text.translate(_WIDTHS)
    return text.translate(_TABLE), [index for index, width in enumerate(widths) for _ in range(ord(width))]


CHARACTERS = st.one_of(
    st.sampled_from("行政复议資訊公开 \n\t　\u200bＡＢab１２（）㍱ﷺ😀,。İ"),  # İ: lower() gives 2 characters
    st.characters(min_codepoint=0x20, max_codepoint=0x2FFF),
    st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(CHARACTERS, max_size=60).map("".join))
def test_offsets_by_arrays_equal_the_translations(text: str) -> None:
    assert normalize_with_offsets(text) == by_translation(text)


def test_offsets_of_a_report_sized_text() -> None:
    text = "二〇二三年度 政府信息公開工作報告\n" * 200 + "㍱"
    normalized, origin = normalize_with_offsets(text)
    assert (normalized, origin) == by_translation(text)
    assert normalized.endswith("hpa") and origin[-3:] == [len(text) - 1] * 3


def test_a_character_that_lowercases_to_two_is_indexed_not_a_crash() -> None:
    # İ (U+0130) lowercases to "i" and a combining dot: normalising a report or a query holding
    # it raised TypeError in the index, the search and the snippets.
    from storage.textnorm import normalize, normalize_with_offsets
    assert normalize("İstanbul 行政") == "i̇stanbul行政"
    text, _ = normalize_with_offsets("İstanbul 行政")
    assert text == normalize("İstanbul 行政")
