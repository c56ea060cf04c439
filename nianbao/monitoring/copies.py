"""Copied narratives: a report whose narrative sections are nearly identical to the agency's own
report on the year before, or to another agency's report on the same year.

Candidates among the same year's reports come from MinHash LSH (datasketch); every score is the
exact Jaccard similarity of the two narratives' character 5-grams. Pure: over
storage.monitor_reads values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from storage.monitor_reads import ReportView

from .findings import Finding
from .words import FindingKind

SHINGLE = 5  # characters
DIGIT = re.compile(r"\d")
NOT_WORD = re.compile(r"[\W_]+")
MIN_NARRATIVE = 200  # characters: shorter narratives are too short to call copied
NUM_PERM = 128  # MinHash permutations
LSH_SLACK = 0.15  # LSH looks for candidates this far below the threshold; exact Jaccard decides


def narrative(record: dict[str, Any]) -> str:
    """The narrative sections, normalised for comparison: width-folded, no whitespace or
    punctuation, every digit a 0 (a report copied with this year's numbers typed in is copied)."""
    text = unicodedata.normalize("NFKC", "".join((record.get("sections") or {}).values()))
    return NOT_WORD.sub("", DIGIT.sub("0", text))


def shingles(text: str) -> set[str]:
    return {text[i:i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def copies(agencies: Sequence[str], reports: Mapping[str, Sequence[ReportView]], year: int,
           threshold: float) -> list[Finding]:
    """Copied narratives on `year` among `agencies` (names, in registry order), whose reports on
    `year` and `year - 1` are `reports[name]`. Scores from `threshold` up count as copied."""
    from datasketch import MinHash, MinHashLSH  # scipy-heavy: loaded only when the monitor runs

    docs: dict[tuple[str, int], tuple[ReportView, set[str]]] = {}
    for name in agencies:
        for view in reports.get(name, ()):
            text = narrative(view.record)
            key = (name, view.year)
            if len(text) >= MIN_NARRATIVE and key not in docs:
                docs[key] = (view, shingles(text))
    findings = []
    for name in agencies:
        now, before = docs.get((name, year)), docs.get((name, year - 1))
        if now and before:
            score = jaccard(now[1], before[1])
            if score >= threshold:
                findings.append(_copied(name, year, now[0], before[0], name, score, "previous_year"))
    same_year = [(name, view, grams) for (name, y), (view, grams) in docs.items() if y == year]
    if len(same_year) > 1:
        lsh = MinHashLSH(threshold=max(0.1, threshold - LSH_SLACK), num_perm=NUM_PERM)
        hashes = {}
        for name, _, grams in same_year:
            minhash = MinHash(num_perm=NUM_PERM)
            minhash.update_batch([s.encode("utf-8") for s in grams])
            hashes[name] = minhash
            lsh.insert(name, minhash)
        by_name = {name: (view, grams) for name, view, grams in same_year}
        pairs = {tuple(sorted((name, other))) for name in hashes for other in lsh.query(hashes[name]) if other != name}
        for a, b in sorted(pairs):
            score = jaccard(by_name[a][1], by_name[b][1])
            if score < threshold:
                continue
            # Filed under the report nianbao saw later: the likelier copy (not proof of who copied).
            first, second = sorted((a, b), key=lambda n: (by_name[n][0].first_seen, n))
            findings.append(_copied(second, year, by_name[second][0], by_name[first][0], first, score, "same_year"))
    return findings


def _copied(agency: str, year: int, view: ReportView, other: ReportView, other_agency: str, score: float,
            relation: str) -> Finding:
    whose = "its own report" if relation == "previous_year" else f"{other_agency}'s report"
    return Finding(
        agency, year, FindingKind.COPIED,
        f"narrative sections {score:.0%} identical to {whose} on {other.year}",
        key=f"copied:{view.id}:{other.id}:{view.current.sha256}",
        data={"url": view.url, "report_id": view.id, "score": round(score, 4), "relation": relation,
              "with": {"agency": other_agency, "year": other.year, "url": other.url}},
    )
