"""The record's number fields and the words a person reads for them: one place.

Every number cell of either format is a dotted path of the record (`applications.granted.
natural_person`, ../shared/spec/record.md). This module lists them (`FIELDS`), gives each the
form's own label (`field_label`: （一）予以公开 · 自然人), finds fields by a piece of a label or a
path (`find_fields`, `resolve_field`: what `nianbao fields` and `nianbao stats 予以公开 自然人`
read), and rewrites a check's detail in those labels (`labelled_detail`). The words themselves
are parsing.schema's; nothing here spells a label of the form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .schema import (
    ACTIVE_COLUMN_LABELS,
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICANT_LABELS,
    APPLICATION_LABELS,
    APPLICATION_ROWS,
    FORMATS,
    LITIGATION_HEADING,
    REVIEW_GROUP_LABELS,
    REVIEW_GROUPS,
    REVIEW_OUTCOME_LABELS,
    REVIEW_OUTCOMES,
    SECTION_TITLES,
    Format,
)

SEPARATOR = " · "  # between a row's label and its column's
TABLES: dict[str, str] = {
    "active": SECTION_TITLES["active_disclosure"],
    "applications": SECTION_TITLES["applications"],
    "review_litigation": SECTION_TITLES["review_litigation"],
}
# The checks' own meaning, in the words of the applications table's note where it has one.
RULE_LABELS: dict[str, str] = {
    "applications.balance": "第一项加第二项之和，等于第三项加第四项之和",
    "applications.results_sum": "（七）总计等于各项办理结果之和",
    "applications.row_totals": "总计等于各类申请人之和",
    "review_litigation.totals": "总计等于结果维持、结果纠正、其他结果、尚未审结之和",
}


class FieldNameError(ValueError):
    """A field named by a label or path that names no field, or several: `candidates` are the
    fields it could mean (empty when it means none)."""

    def __init__(self, message: str, candidates: tuple[Field, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


@dataclass(frozen=True)
class Field:
    """One number cell of the record: its dotted path, the table it sits in, and its label in
    each format that has it (a path the two formats word alike has one label)."""

    path: str
    labels: tuple[tuple[Format, str], ...]  # (format, label), newest format first

    @property
    def table(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def table_label(self) -> str:
        return TABLES[self.table]

    @property
    def label(self) -> str:
        """The newest format's label."""
        return self.labels[0][1]

    @property
    def formats(self) -> tuple[Format, ...]:
        return tuple(fmt for fmt, _ in self.labels)

    def label_in(self, fmt: str | None) -> str:
        """The label in format `fmt`, or the newest one when that format has no such cell."""
        return next((label for each, label in self.labels if each == fmt), self.label)

    def to_dict(self) -> dict[str, object]:
        return {"field": self.path, "label": self.label, "table": self.table, "table_label": self.table_label,
                "formats": list(self.formats), "labels": {fmt: label for fmt, label in self.labels}}


def _application_row_label(row: str) -> str:
    """The row's words without the heading over all result rows (三、本年度办理结果), which every
    result row shares: （三）不予公开 1.属于国家秘密; a row of its own keeps its only words."""
    words = [part for part in APPLICATION_LABELS[row] if part]
    return " ".join(words[1:] or words)


def _review_group_label(group: str) -> str:
    label = REVIEW_GROUP_LABELS[group]
    return label if group == "review" else f"{LITIGATION_HEADING} {label}"


def _build() -> tuple[Field, ...]:
    labels: dict[str, dict[Format, str]] = {}
    for fmt in FORMATS:
        for row in ACTIVE_ROWS[fmt]:
            for column in row.columns:
                labels.setdefault(f"active.{row.key}.{column}", {})[fmt] = (
                    row.label + SEPARATOR + ACTIVE_COLUMN_LABELS[fmt][column])
        for row in APPLICATION_ROWS[fmt]:
            for column in APPLICANT_COLUMNS:
                labels.setdefault(f"applications.{row}.{column}", {})[fmt] = (
                    _application_row_label(row) + SEPARATOR + APPLICANT_LABELS[column].text)
    for group in REVIEW_GROUPS:
        for outcome in REVIEW_OUTCOMES:
            path = f"review_litigation.{group}.{outcome}"
            labels[path] = {fmt: _review_group_label(group) + SEPARATOR + REVIEW_OUTCOME_LABELS[outcome]
                            for fmt in FORMATS}
    return tuple(Field(path, tuple(by_format.items())) for path, by_format in labels.items())


FIELDS: tuple[Field, ...] = _build()
_BY_PATH: dict[str, Field] = {field.path: field for field in FIELDS}


def field_paths() -> tuple[str, ...]:
    """Every number cell of both formats, as dotted record paths, in the form's order."""
    return tuple(_BY_PATH)


def field(path: str) -> Field | None:
    return _BY_PATH.get(path)


def field_label(path: str, fmt: str | None = None) -> str:
    """The form's words for a dotted cell path (in format `fmt` where the formats word it
    differently), e.g. （一）予以公开 · 自然人; an unknown path is returned as it is."""
    known = _BY_PATH.get(path)
    return known.label_in(fmt) if known else path


def _fold(text: str) -> str:
    """Text for matching: NFKC (full-width brackets and digits as half-width), no spaces or
    separators, lower case, the form's quotes dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s·・\"'“”]+", "", text)


def find_fields(text: str) -> tuple[Field, ...]:
    """The fields whose path or any label holds every word of `text` (words split on spaces
    and ·, compared NFKC-folded: 予以公开 自然人, (一)予以公开·自然人, granted.natural)."""
    words = [_fold(word) for word in re.split(r"[\s·・]+", text.strip()) if _fold(word)]
    if not words:
        return FIELDS
    found = []
    for each in FIELDS:
        haystacks = [_fold(each.path), *(_fold(label) for _, label in each.labels)]
        if any(all(word in hay for word in words) for hay in haystacks):
            found.append(each)
    return tuple(found)


def resolve_field(text: str) -> Field:
    """The one field `text` names: its exact path, its exact label (in any format), or the only
    field whose path or label holds every word of it. FieldNameError otherwise, with the
    candidates when there are several."""
    if text in _BY_PATH:
        return _BY_PATH[text]
    folded = _fold(text)
    exact = [each for each in FIELDS if any(_fold(label) == folded for _, label in each.labels)]
    if len(exact) == 1:
        return exact[0]
    candidates = find_fields(text) if folded else ()
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise FieldNameError(f"{text!r} is no field's path or label (nianbao fields lists them)")
    listed = "\n".join(f"  {each.path}  {each.label}" for each in candidates[:20])
    more = f"\n  … and {len(candidates) - 20} more" if len(candidates) > 20 else ""
    raise FieldNameError(f"{text!r} names {len(candidates)} fields; say which:\n{listed}{more}", candidates)


# -- check details in labels ------------------------------------------------------------------

_WORD = re.compile(r"\b[a-z][a-z_]*\b")


def _words(table: str) -> dict[str, str]:
    """The keys a check's detail names in `table` (rows, columns, groups, outcomes), and their
    labels."""
    if table == "applications":
        words = {row: _application_row_label(row) for row in APPLICATION_LABELS}
        words.update({column: label.text for column, label in APPLICANT_LABELS.items()})
        return words
    words = {group: _review_group_label(group) for group in REVIEW_GROUPS}
    words.update(REVIEW_OUTCOME_LABELS)
    return words


_DETAIL_WORDS = {table: _words(table) for table in ("applications", "review_litigation")}


def labelled_detail(rule: str, detail: str) -> str:
    """A check's detail (`parsing.checks`, in record keys: "natural_person: new_received 3 + …")
    with each row, column and group key replaced by the form's label; numbers and signs kept.
    A rule of no known table returns the detail as it is."""
    words = _DETAIL_WORDS.get(rule.split(".", 1)[0])
    if words is None:
        return detail
    return _WORD.sub(lambda match: words.get(match.group(0), match.group(0)), detail)


def rule_label(rule: str) -> str:
    """The check's identity in the form's words, or the rule itself when it has none."""
    return RULE_LABELS.get(rule, rule)
