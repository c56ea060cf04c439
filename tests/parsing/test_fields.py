"""parsing.fields: every number field has the form's label, labels name one field each, a label
or a piece of one finds its field, and a check's detail reads in labels."""

from __future__ import annotations

import pytest

from parsing import schema
from parsing.checks import check_tables
from parsing.fields import (
    FIELDS,
    FieldNameError,
    field_label,
    field_paths,
    find_fields,
    labelled_detail,
    resolve_field,
    rule_label,
)


def test_fields_every_path_has_a_label_of_the_form() -> None:
    assert len(field_paths()) == len(set(field_paths())) == len(FIELDS)
    for each in FIELDS:
        assert each.label != each.path and " · " in each.label
        assert each.table in ("active", "applications", "review_litigation")


def test_fields_each_label_names_one_field() -> None:
    seen: dict[tuple[str, str], str] = {}
    for each in FIELDS:
        for fmt, label in each.labels:
            assert seen.setdefault((fmt, label), each.path) == each.path, label


@pytest.mark.parametrize("path, fmt, label", [
    ("applications.granted.natural_person", None, "（一）予以公开 · 自然人"),
    ("applications.new_received.total", None, "一、本年新收政府信息公开申请数量 · 总计"),
    ("applications.denied_state_secret.enterprise", "2021", "（三）不予公开 1.属于国家秘密 · 商业企业"),
    ("review_litigation.review.corrected", None, "行政复议 · 结果纠正"),
    ("review_litigation.litigation_after_review.total", None, "行政诉讼 复议后起诉 · 总计"),
    ("active.normative_documents.made", "2019", "规范性文件 · 本年新制作数量"),
    ("active.licensing.decisions", "2021", "行政许可 · 本年处理决定数量"),
    ("active.licensing.decisions", "2019", "行政许可 · 处理决定数量"),
    ("no.such.path", None, "no.such.path"),
])
def test_fields_label_is_the_forms_words(path: str, fmt: str | None, label: str) -> None:
    assert field_label(path, fmt) == label


@pytest.mark.parametrize("text, path", [
    ("applications.granted.natural_person", "applications.granted.natural_person"),
    ("（一）予以公开 · 自然人", "applications.granted.natural_person"),
    ("(一)予以公开·自然人", "applications.granted.natural_person"),  # half-width, no spaces
    ("予以公开 自然人", "applications.granted.natural_person"),
    ("行政许可 · 处理决定数量", "active.licensing.decisions"),  # the 2019 wording
    ("复议后起诉 结果纠正", "review_litigation.litigation_after_review.corrected"),
    ("fees.amount", "active.fees.amount"),
])
def test_fields_resolve_by_path_label_or_words(text: str, path: str) -> None:
    assert resolve_field(text).path == path


def test_fields_ambiguous_or_unknown_names_say_so() -> None:
    with pytest.raises(FieldNameError, match="names 7 fields") as error:
        resolve_field("予以公开")
    assert {each.path for each in error.value.candidates} == {
        f"applications.granted.{column}" for column in schema.APPLICANT_COLUMNS}
    with pytest.raises(FieldNameError, match="no field") as error:
        resolve_field("蜂鸟")
    assert error.value.candidates == ()


def test_fields_find_by_a_piece_of_a_label() -> None:
    assert {each.path for each in find_fields("结果纠正")} == {
        f"review_litigation.{group}.corrected" for group in schema.REVIEW_GROUPS}
    assert find_fields("") == FIELDS


def test_fields_check_detail_reads_in_labels() -> None:
    applications = {row: {column: 0 for column in schema.APPLICANT_COLUMNS}
                    for row in schema.APPLICATION_ROWS["2021"]}
    applications["new_received"]["natural_person"] = 3
    applications["new_received"]["total"] = 3
    review = {group: {outcome: 0 for outcome in schema.REVIEW_OUTCOMES} for group in schema.REVIEW_GROUPS}
    review["review"]["total"] = 2
    failed = {check.rule: check.detail for check in check_tables("2021", applications, review) if not check.ok}
    balance = labelled_detail("applications.balance", failed["applications.balance"])
    assert balance.startswith("自然人: 一、本年新收政府信息公开申请数量 3 + 二、上年结转政府信息公开申请数量 0 = 3 ≠ （七）总计 0")
    assert "new_received" not in balance and "natural_person" not in balance
    totals = labelled_detail("review_litigation.totals", failed["review_litigation.totals"])
    assert totals == "行政复议: 总计 2 ≠ 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 0"
    assert rule_label("applications.balance").startswith("第一项加第二项之和")
    assert labelled_detail("no.rule", "kept as it is") == "kept as it is"
