"""Copied narratives: a report whose narrative sections are nearly identical to the agency's own
report on the year before, or to another agency's report on the same year.

A narrative is normalised (`narrative`) and cut into character 5-grams, each kept as a 64-bit
hash (`shingle_hashes`; the score of two narratives is the Jaccard similarity of those sets, equal
to that of the 5-gram strings unless two 5-grams collide in 64 bits). Against its own previous
year every report is scored. Among the same year's reports, candidates come from a MinHash
signature (`signature`: one-permutation MinHash, 128 bins, numpy) banded for LSH (`band_keys`);
a candidate whose signatures agree less than `ESTIMATE_SLACK` below the threshold is dropped,
every other is scored exactly. Signatures are plain values, so the monitor keeps them
(storage.monitor_state) and compares a changed report with the others without reading them again.

Pure: over storage.monitor_reads values and numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from storage.monitor_reads import ReportView

from .findings import Finding
from .words import FindingKind

SHINGLE = 5  # characters
DIGIT = re.compile(r"\d")
NOT_WORD = re.compile(r"[\W_]+")
MIN_NARRATIVE = 200  # characters: shorter narratives are too short to call copied
BINS = 128  # MinHash signature length
ESTIMATE_SLACK = 0.15  # a same-year candidate is scored when its signature estimate is this close to the threshold
MAX_MISS = 1e-4  # LSH bands chosen so a pair at the threshold is missed at most this often

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_PRIME = np.uint64(0x100000001B3)  # FNV's 64-bit prime: the 5-gram's polynomial


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise over uint64 (wrapping arithmetic)."""
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _slow_narrative(text: str) -> str:
    return NOT_WORD.sub("", DIGIT.sub("0", unicodedata.normalize("NFKC", text)))


@functools.cache
def _char_table() -> tuple[np.ndarray, np.ndarray]:
    """For every BMP code point, what `_slow_narrative` makes of it alone (a code point, or
    DELETE), and whether a text made only of such code points is normalised one code point at a
    time: its compatibility decomposition holds only starters that never end a canonical
    composition, so NFKC composes and reorders nothing across code points."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    for code in range(0x30000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    mapped = np.full(0x10000, DELETE, dtype=np.uint32)
    simple = np.zeros(0x10000, dtype=bool)
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        if any(unicodedata.combining(c) or ord(c) in seconds for c in decomposed):
            continue
        out = _slow_narrative(char)
        if len(out) > 1:
            continue
        simple[code] = True
        mapped[code] = ord(out) if out else DELETE
    return mapped, simple


DELETE = 0xFFFFFFFF


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4")


def _narrative_codes(record: dict[str, Any]) -> np.ndarray:
    """`narrative(record)` as code points."""
    text = "".join(v for v in (record.get("sections") or {}).values() if v)
    codes = _codes(text)
    if codes.size and int(codes.max()) < 0x10000:
        mapped, simple = _char_table()
        if simple[codes].all():
            out = mapped[codes]
            return out[out != DELETE]
    return _codes(_slow_narrative(text))


def narrative(record: dict[str, Any]) -> str:
    """The narrative sections, normalised for comparison: width-folded (NFKC), no whitespace or
    punctuation, every digit a 0 (a report copied with this year's numbers typed in is copied).
    A section the parser did not find (None) is no text."""
    return _narrative_codes(record).astype("<u4").tobytes().decode("utf-32-le")


def shingle_hashes(codes: np.ndarray) -> np.ndarray:
    """The set of the text's 5-grams as sorted, distinct 64-bit hashes."""
    if codes.size < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    values = codes.astype(np.uint64)
    n = values.size - SHINGLE + 1
    h = values[:n] * _PRIME
    for k in range(1, SHINGLE):
        h += values[k:k + n]
        if k < SHINGLE - 1:
            h *= _PRIME
    h ^= h >> np.uint64(30)  # _mix, in place
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    h.sort()  # (np.unique is several times slower on uint64)
    keep = np.empty(h.size, dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two `shingle_hashes` sets."""
    if not a.size or not b.size:
        return 0.0
    at = np.searchsorted(b, a)  # both sorted and distinct
    at[at == b.size] = 0
    common = int(np.count_nonzero(b[at] == a))
    return common / (a.size + b.size - common)


def signature(hashes: np.ndarray) -> np.ndarray:
    """One-permutation MinHash of a `shingle_hashes` set: the top 7 bits of a hash choose its bin,
    the smallest hash of each bin is kept (its low 32 bits); an empty bin borrows the next
    non-empty one's, remixed by the distance (rotation densification)."""
    sig = np.zeros(BINS, dtype=np.uint32)
    if not hashes.size:
        return sig
    bins = (hashes >> np.uint64(57)).astype(np.int64)
    first = np.searchsorted(bins, np.arange(BINS))
    present = np.zeros(BINS, dtype=bool)
    inside = first < hashes.size
    present[inside] = bins[first[inside]] == np.arange(BINS)[inside]
    values = np.zeros(BINS, dtype=np.uint64)
    values[present] = hashes[first[present]]
    if not present.all():
        filled = np.flatnonzero(present)
        wanted = np.arange(BINS)
        nxt = np.searchsorted(filled, wanted) % filled.size
        source = filled[nxt]
        distance = ((source - wanted) % BINS).astype(np.uint64)
        values = np.where(present, values, _mix(values[source] + distance * np.uint64(0x9E3779B97F4A7C15)))
    return (values & np.uint64(0xFFFFFFFF)).astype(np.uint32)


@functools.cache
def bands_for(threshold: float) -> int:
    """Rows per LSH band: the most (fewest false candidates) whose bands still miss a pair at
    `threshold` at most `MAX_MISS` of the time. 6 rows (21 bands) at 0.85."""
    for rows in range(16, 0, -1):
        if (1 - threshold ** rows) ** (BINS // rows) <= MAX_MISS:
            return rows
    return 1


def band_keys(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """(n, bands) int64 bucket keys of n signatures: two signatures share a key where they agree
    on a whole band (the band's number is mixed in, so keys of different bands differ)."""
    rows = bands_for(threshold)
    count = BINS // rows
    cut = signatures[:, :count * rows].reshape(len(signatures), count, rows)
    h = cut[:, :, 0].astype(np.uint64)  # (0 * _PRIME + the band's first row; in place from here)
    for k in range(1, rows):
        h *= _PRIME
        h += cut[:, :, k]
    h += np.arange(count, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)
    h ^= h >> np.uint64(30)  # _mix, in place
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h.view(np.int64)


def estimate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The signatures' estimate of Jaccard similarity, row by row ((n, BINS) against (n, BINS))."""
    return (a == b).mean(axis=-1)


@dataclass(frozen=True)
class CopyDoc:
    """An agency's narrative on one year: the first of its reports (in archive order) whose
    narrative is long enough to compare."""

    agency: str
    report_id: int
    version_id: int  # the current version, whose record the narrative is of
    url: str
    year: int
    sha256: str
    first_seen: dt.datetime
    signature: np.ndarray

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CopyDoc) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> tuple:
        return (self.agency, self.report_id, self.version_id, self.url, self.year, self.sha256, self.first_seen,
                self.signature.tobytes())


def narratives_of(views: Sequence[ReportView], year: int) -> tuple[ReportView, np.ndarray] | None:
    """The view compared on `year` and its shingle hashes, if any is long enough."""
    for view in views:
        if view.year != year:
            continue
        codes = _narrative_codes(view.record)
        if codes.size >= MIN_NARRATIVE:
            return view, shingle_hashes(codes)
    return None


def doc_of(agency: str, view: ReportView, hashes: np.ndarray) -> CopyDoc:
    return CopyDoc(agency, view.id, view.current.id, view.url, view.year, view.current.sha256, view.first_seen,
                   signature(hashes))


def previous_year(agency: str, year: int, views: Sequence[ReportView], threshold: float
                  ) -> tuple[list[Finding], CopyDoc | None, np.ndarray | None]:
    """The agency's narrative on `year` against its own on `year - 1`: the finding if copied, its
    `CopyDoc` on `year` (None: no narrative long enough) and that narrative's shingle hashes."""
    now, before = narratives_of(views, year), narratives_of(views, year - 1)
    findings = []
    if now and before:
        score = jaccard(now[1], before[1])
        if score >= threshold:
            findings.append(_copied(agency, year, now[0].id, now[0].url, now[0].current.sha256,
                                    before[0].year, before[0].url, before[0].id, agency, score, "previous_year"))
    return findings, (doc_of(agency, now[0], now[1]) if now else None), (now[1] if now else None)


def candidates(docs: Sequence[CopyDoc], threshold: float, among: Sequence[CopyDoc] | None = None
               ) -> list[tuple[CopyDoc, CopyDoc]]:
    """Pairs of `docs` (or of `docs` against `among`) that share an LSH bucket and whose signatures
    estimate a similarity within `ESTIMATE_SLACK` of `threshold`, each pair once, by agency."""
    pool = list(docs) if among is None else list({d.agency: d for d in [*among, *docs]}.values())
    if len(pool) < 2 or not docs:
        return []
    index = {d.agency: i for i, d in enumerate(pool)}
    wanted = np.zeros(len(pool), dtype=bool)
    wanted[[index[d.agency] for d in docs]] = True
    sigs = np.stack([d.signature for d in pool])
    keys = band_keys(sigs, threshold)
    flat, owner = keys.ravel(), np.repeat(np.arange(len(pool)), keys.shape[1])
    if among is not None:
        # Only the buckets of `docs` can hold a wanted pair: keep the keys they share (a lookup in
        # their few sorted keys) before sorting, not every kept signature's (1.6 million at 76,000).
        probe = np.unique(keys[wanted].ravel())
        at = np.searchsorted(probe, flat)
        at[at == probe.size] = 0
        hit = probe[at] == flat
        flat, owner = flat[hit], owner[hit]
    order = np.argsort(flat, kind="stable")
    flat, owner = flat[order], owner[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    ends = np.r_[starts[1:], flat.size]
    left, right = _bucket_pairs(owner, starts, ends - starts, wanted if among is not None else None, len(pool))
    if not left.size:
        return []
    close = _close(sigs, left, right, threshold - ESTIMATE_SLACK)
    found = []
    for a, b in zip(left[close], right[close]):
        x, y = sorted((pool[a], pool[b]), key=lambda d: d.agency)
        found.append((x, y))
    return found


ESTIMATE_CHUNK = 65536  # pairs whose signatures are compared at a time


def _close(sigs: np.ndarray, left: np.ndarray, right: np.ndarray, least: float) -> np.ndarray:
    """Whether each pair's signatures estimate a similarity of at least `least`, `ESTIMATE_CHUNK`
    pairs at a time: at 100,000 bench agencies from cold the buckets make 1.3 million pairs, and
    both sides' signatures gathered at once were 1.4 GB (6 s of CPU, most of it page faults)."""
    close = np.empty(left.size, dtype=bool)
    for start in range(0, left.size, ESTIMATE_CHUNK):
        end = start + ESTIMATE_CHUNK
        close[start:end] = estimate(sigs[left[start:end]], sigs[right[start:end]]) >= least
    return close


def _bucket_pairs(owner: np.ndarray, starts: np.ndarray, sizes: np.ndarray, wanted: np.ndarray | None,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of distinct documents sharing a bucket (`owner[start:start + size]`), each once,
    lower index first, in order; with `wanted`, only pairs holding a wanted document. Groups of
    one size at a time, in numpy (a Python loop over the pairs was seconds at 76,000 signatures)."""
    lows, highs = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes[sizes > 1]):
        members = owner[starts[sizes == size][:, None] + np.arange(size)]  # one row per bucket
        x, y = np.triu_indices(int(size), 1)
        a, b = members[:, x].ravel(), members[:, y].ravel()
        lows.append(np.minimum(a, b))
        highs.append(np.maximum(a, b))
    low, high = np.concatenate(lows).astype(np.int64), np.concatenate(highs).astype(np.int64)
    keep = low != high
    if wanted is not None:
        keep &= wanted[low] | wanted[high]
    # Sorted, distinct: by the lower index, then the higher (sorting and dropping repeats; numpy
    # 2's np.unique hashes first, 1.6 s for the 1.3 million pairs of 100,000 bench agencies).
    codes = np.sort(low[keep] * n + high[keep])
    unique = codes[np.r_[True, codes[1:] != codes[:-1]]] if codes.size else codes
    return unique // n, unique % n


def scored(pairs: Iterable[tuple[CopyDoc, CopyDoc]], hashes: Callable[[CopyDoc], np.ndarray]
           ) -> list[tuple[CopyDoc, CopyDoc, float]]:
    """Each pair with its exact score; `hashes` gives a document's shingle hashes."""
    return [(a, b, jaccard(hashes(a), hashes(b))) for a, b in pairs]


def same_year(pairs: Iterable[tuple[CopyDoc, CopyDoc, float]], threshold: float) -> list[Finding]:
    """The findings of scored same-year pairs from `threshold` up, in order of the pair's names."""
    findings = []
    for a, b, score in sorted(pairs, key=lambda p: (p[0].agency, p[1].agency)):
        if score < threshold:
            continue
        # Filed under the report nianbao saw later: the likelier copy (not proof of who copied).
        first, second = sorted((a, b), key=lambda d: (d.first_seen, d.agency))
        findings.append(_copied(second.agency, second.year, second.report_id, second.url, second.sha256,
                                first.year, first.url, first.report_id, first.agency, score, "same_year"))
    return findings


def _copied(agency: str, year: int, report_id: int, url: str, sha256: str, other_year: int, other_url: str,
            other_id: int, other_agency: str, score: float, relation: str) -> Finding:
    whose = "its own report" if relation == "previous_year" else f"{other_agency}'s report"
    return Finding(
        agency, year, FindingKind.COPIED,
        f"narrative sections {score:.0%} identical to {whose} on {other_year}",
        key=f"copied:{report_id}:{other_id}:{sha256}",
        data={"url": url, "report_id": report_id, "score": round(score, 4), "relation": relation,
              "with": {"agency": other_agency, "year": other_year, "url": other_url}},
    )
