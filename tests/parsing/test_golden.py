"""Golden test: every fixture parses to its reviewed `*.expected.json`.

Fixtures are the shared seeds (../shared/fixtures/seeds) and our own under
tests/fixtures/parsing/. An expected file holds dotted record paths compared exactly (null
and 0 distinct, int and float as written) plus these optional keys:

- `_error`: the input must be refused with a ParseError whose message contains this text;
- `_warnings_contain`: substrings that must each appear in some warning;
- `_failed_checks`: the check rules that must fail (all others must pass);
- `_text_absent`: strings (page chrome) that must not appear in any section's text;
- `_sections_present`: section keys that must have text;
- `_source`: the input's path under ../shared/fixtures when it is not beside the expected file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsing import ParseError, parse_report

# The cases are parametrized at collection time, before any fixture exists: their folders are
# found from this file (tests/parsing/ -> the repository, with ../shared beside it).
REPOSITORY = Path(__file__).resolve().parents[2]
SHARED = REPOSITORY.parent / "shared"
SEEDS = SHARED / "fixtures" / "seeds"
FIXTURES = REPOSITORY / "tests" / "fixtures"
CASES = sorted(SEEDS.glob("*.expected.json")) + sorted((FIXTURES / "parsing").glob("*.expected.json"))


def _input_for(expected: Path) -> Path:
    declared = json.loads(expected.read_text(encoding="utf-8")).get("_source")
    if declared:
        return SHARED / "fixtures" / declared
    stem = expected.name.removesuffix(".expected.json")
    matches = [p for p in expected.parent.glob(stem + ".*") if not p.name.endswith(".expected.json")]
    assert len(matches) == 1, f"{expected}: expected exactly one input file, found {matches}"
    return matches[0]


@pytest.mark.parametrize("expected_path", CASES, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_fixture_parses_to_expected_record(expected_path: Path) -> None:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    source = _input_for(expected_path)
    if "_error" in expected:
        with pytest.raises(ParseError) as excinfo:
            parse_report(source.read_bytes(), url=source.as_uri())
        assert expected["_error"] in str(excinfo.value)
        return

    record = parse_report(source.read_bytes(), url=source.as_uri())
    flat = record.flatten()
    mismatches = {
        key: {"got": flat.get(key, "<absent>"), "want": want}
        for key, want in expected.items()
        if not key.startswith("_")
        and (flat.get(key, "<absent>") != want or type(flat.get(key)) is not type(want))
    }
    assert not mismatches, json.dumps(mismatches, ensure_ascii=False, indent=1)

    for needle in expected.get("_warnings_contain", []):
        assert any(needle in w for w in record.warnings), f"no warning mentions {needle!r}: {record.warnings}"
    if "_failed_checks" in expected or record.applications is not None:
        failed = sorted(c.rule for c in record.failed_checks)
        assert failed == sorted(expected.get("_failed_checks", [])), [c.to_dict() for c in record.failed_checks]
    sections_text = "\n".join(t for t in record.sections.values() if t)
    for needle in expected.get("_text_absent", []):
        assert needle not in sections_text, f"page chrome {needle!r} left in the sections"
    for key in expected.get("_sections_present", []):
        assert record.sections.get(key), f"section {key} is empty"
