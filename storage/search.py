"""Full-text search over the archive's report versions: the query API the CLI and the web UI use.

    from storage.search import SearchQuery, search
    result = search(archive, SearchQuery("行政复议 纠正", year_from=2022, year_to=2023, region="江苏省"))
    result.total, [hit.title for hit in result.hits]

The query language is `storage.search_syntax`; the index and its normalisation are
`storage.search_index` and `storage.textnorm`. Every term is a substring match on the normalised
text (NFKC, lower case, traditional -> simplified, whitespace removed), answered by an index on
both backends at every length: SQLite FTS5 (trigram table for 3+ characters, a 1/2-character
gram table below that); PostgreSQL a GIN index of the windows of each text's parts for 3+
characters (`search_index.windows_query`: exact up to 6 characters, a longer term's candidates
checked against the text) and a GIN array of grams for 1-2. On PostgreSQL a query's matches are
its terms' version ids combined by set operations (INTERSECT, UNION, EXCEPT; `_Compiler.matches_sql`),
then intersected with the versions its filters pass: no per-match join for the planner to misjudge.

Ranking. SQLite: the sum over the query's positive terms of FTS5's bm25 (for 1-2 character
terms bm25 over the gram table, where each gram counts once per version, so it mostly favours
shorter reports). PostgreSQL: the sum over positive terms of a bm25-shaped term-frequency score,
tf / (tf + 1.2 * (0.25 + 0.75 * length / 2000)), tf being the term's occurrences in the
version's normalised text. Only the newest RANK_WINDOW matching versions are ranked (the
score reads each one); matches beyond them follow, newest first. An empty query lists
everything, newest report year first.

Filters apply to the report's metadata (year, agency, format: `reports`) and its agency's
region and kind (`agencies`); `check_failed` to the version. Hits show what the version itself
says (its record's title, year, format, publication date).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from parsing import schema

from .clock import iso_z
from .models import UTCDateTime
from .search_index import windows_exact, windows_query
from .search_syntax import And, Node, Not, Or, QueryError, Term, parse_query, positive_terms
from .textnorm import normalize_with_offsets
from .vocab import AgencyKind

log = logging.getLogger(__name__)

__all__ = ["FacetTable", "Hit", "QueryError", "SearchQuery", "SearchResult", "counted_facets", "facet_counts",
           "facet_table", "parse_query", "search", "snippet"]

MAX_PER_PAGE = 200
MAX_PAGE = 10_000
SNIPPET_CHARS = 120  # of original text around the first match
# How many of the newest matching versions are ranked by relevance; the rest follow, newest first.
# PostgreSQL's score reads each version's text (de-TOASTed, ~85 us a row), hence its smaller window.
RANK_WINDOW = {"sqlite": 2_000, "postgresql": 200}
KINDS = tuple(AgencyKind)
FORMATS = tuple(sorted(schema.FORMATS))  # the record's formats, oldest first: "2019", "2021"


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""  # words, "quoted phrases", AND / OR / NOT (and -word), parentheses; "" = all
    year_from: int | None = None  # inclusive range; one year = both the same
    year_to: int | None = None
    agency: str | None = None  # exact agency name (Report.agency_name)
    region: str | None = None  # region path prefix, "江苏省" or "江苏省/淮安市" (Agency.region)
    kind: str | None = None  # an AgencyKind (Agency.kind)
    format: str | None = None  # "2019" | "2021"
    check_failed: bool | None = None  # True: only versions with a failed check; False: only clean ones
    all_versions: bool = False  # default: each report's current version only
    page: int = 1
    per_page: int = 20  # at most MAX_PER_PAGE
    facets: bool = False  # facet counts (year, region, kind, format, checks) over all matches


@dataclass(frozen=True)
class Hit:
    report_id: int
    version_id: int
    capture_id: int
    agency: str | None
    region: str | None
    kind: str | None
    year: int | None
    title: str | None
    url: str
    captured_at: dt.datetime  # aware UTC
    published_on: dt.date | None
    format: str | None
    checks_failed: int
    is_current: bool
    snippet: tuple[tuple[str, bool], ...]  # text segments; True = matched text (renderers escape it)
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The one JSON form of a hit (CLI and web): every field, JSON-ready (moments as
        `clock.iso_z`); the snippet as [text, matched] pairs, and as plain text (snippet_text)."""
        row = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        row["captured_at"] = iso_z(self.captured_at)
        row["published_on"] = self.published_on.isoformat() if self.published_on else None
        row["snippet"] = [[text, bool(matched)] for text, matched in self.snippet]
        row["snippet_text"] = "".join(text for text, _ in self.snippet)
        return row


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    total: int  # all matches, not just this page
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # {} unless query.facets


# -- validation --------------------------------------------------------------------------------
def _validate(query: SearchQuery) -> None:
    if not 1 <= query.per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page is {query.per_page}; it must be between 1 and {MAX_PER_PAGE}")
    if not 1 <= query.page <= MAX_PAGE:
        raise QueryError(f"page is {query.page}; it must be between 1 and {MAX_PAGE}")
    if query.kind is not None and query.kind not in KINDS:
        raise QueryError(f"kind {query.kind!r} is not one of {', '.join(KINDS)}")
    if query.format is not None and query.format not in FORMATS:
        raise QueryError(f"format {query.format!r} is not one of {', '.join(FORMATS)}")
    if query.year_from is not None and query.year_to is not None and query.year_from > query.year_to:
        raise QueryError(f"the year range {query.year_from}..{query.year_to} is empty: the first year is after the last")


# -- SQL ----------------------------------------------------------------------------------------
class _Compiler:
    """The query tree as SQL pieces for one dialect: per-term CTEs (SQLite), the boolean
    condition, and the ranking score."""

    def __init__(self, dialect: str, node: Node | None, rank_window: int) -> None:
        self.dialect = dialect
        self.params: dict[str, Any] = {"rank_window": rank_window}
        self.terms: dict[str, int] = {}  # normalised text -> number
        self.tables: dict[int, str] = {}  # SQLite: term number -> FTS table
        self.condition = self.compile(node) if node is not None else None
        self.positive: list[int] = []
        for term in positive_terms(node):
            if self.terms[term.text] not in self.positive:
                self.positive.append(self.terms[term.text])
        self.required = self._required(node)
        # An AND of positive terms is wholly expressed by inner joins (SQLite).
        self.joins_are_condition = isinstance(node, Term) or (
            isinstance(node, And) and all(isinstance(part, Term) for part in node.parts))

    def number(self, term: Term) -> int:
        if term.text not in self.terms:
            number = len(self.terms)
            self.terms[term.text] = number
            if self.dialect == "sqlite":
                self.params[f"q{number}"] = '"' + term.text.replace('"', '""') + '"'
                self.tables[number] = "search_short" if term.short else "search_trigram"
            else:
                self.params[f"q{number}"] = term.text
                self.params[f"p{number}"] = "%" + re.sub(r"([\\%_])", r"\\\1", term.text) + "%"
                if not term.short:
                    self.params[f"w{number}"] = windows_query(term.text)
        return self.terms[term.text]

    def term_condition(self, number: int, term: Term) -> str:
        if self.dialect == "sqlite":
            return f"t{number}.id IS NOT NULL"
        if term.short:
            return f"e.grams @> ARRAY[CAST(:q{number} AS text)]"
        # The parts whose windows hold the term (storage.search_index): exact up to WINDOW_CHARS
        # characters, without reading any text; a longer term's candidates are checked against it.
        parts = self.parts_sql(number)
        if windows_exact(term.text):
            return f"e.version_id IN ({parts})"
        return f"e.version_id IN ({self.long_term_sql(number, parts)})"

    def matches_sql(self, node: Node, current: bool, filtered: str | None = None) -> str:
        """PostgreSQL: a SELECT of the distinct version ids matching `node` (each report's current
        version only if `current`; only those `filtered` selects, a SELECT of version ids, if
        given), from the term indexes and set operations alone: a term of 3-6 characters is its
        parts (search_parts carries is_current), never joined back to search_entries one probe
        per match (100,000 probes for a term in every report)."""
        self._current = current
        if filtered is None:
            self._universe = "SELECT version_id FROM search_entries" + (" WHERE is_current" if current else "")
            self._restricted = False
            return self._matches(node)
        # The filtered versions once (u), for NOT and for a long term's candidates before their
        # texts are read, and the result within them.
        self._universe, self._restricted = "SELECT version_id FROM u", True
        return f"WITH u AS MATERIALIZED ({filtered}) ({self._matches(node)}) INTERSECT (SELECT version_id FROM u)"

    def _matches(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.term_matches_sql(self.number(node), node)
        if isinstance(node, Not):
            return f"({self._universe}) EXCEPT ({self._matches(node.part)})"
        if isinstance(node, Or):
            return " UNION ".join(f"({self._matches(part)})" for part in node.parts)
        positive = [part for part in node.parts if not isinstance(part, Not)]
        negative = [part.part for part in node.parts if isinstance(part, Not)]
        sql = (" INTERSECT ".join(f"({self._matches(part)})" for part in positive)
               if positive else f"({self._universe})")
        for part in negative:
            sql = f"({sql}) EXCEPT ({self._matches(part)})"
        return sql

    def term_matches_sql(self, number: int, term: Term) -> str:
        current = self._current
        if term.short:
            return (f"SELECT version_id FROM search_entries WHERE grams @> ARRAY[CAST(:q{number} AS text)]"
                    + (" AND is_current" if current else ""))
        parts = self.parts_sql(number) + (" AND p.is_current" if current else "")
        if not windows_exact(term.text):
            return self.long_term_sql(number, f"({parts}) INTERSECT ({self._universe})" if self._restricted else parts)
        # Each version once, at its first part holding the term, without a DISTINCT over every
        # match: a part after the first counts only when no earlier part of its text holds the
        # term (strpos on those few texts: only reports longer than one part get here).
        return (f"{parts} AND (p.part = 0 OR NOT EXISTS (SELECT 1 FROM search_parts o "
                f"WHERE o.version_id = p.version_id AND o.part < p.part AND strpos(o.body, :q{number}) > 0))")

    @staticmethod
    def parts_sql(number: int) -> str:
        """The parts whose windows hold term `number` (storage.search_index)."""
        return f"SELECT p.version_id FROM search_parts p WHERE nianbao_windows(p.body) @@ CAST(:w{number} AS tsquery)"

    @staticmethod
    def long_term_sql(number: int, parts: str) -> str:
        """A term longer than a window: the candidates its pieces find in the windows index (`parts`,
        materialised), then each candidate's text checked, one probe each. Written so that no plan
        can start from the text: given `e.body LIKE` and the parts as a semi-join, the planner
        estimated the LIKE at a few rows and read every entry's text, then computed the windows of
        each one's parts (137 s for 政府信息公开工作 over 100,000 reports, bench/search.py's database)."""
        return (f"WITH c{number} AS MATERIALIZED ({parts}) SELECT c.version_id FROM "
                f"(SELECT DISTINCT version_id FROM c{number}) AS c WHERE (SELECT e.body LIKE :p{number} "
                "FROM search_entries e WHERE e.version_id = c.version_id)")

    def compile(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.term_condition(self.number(node), node)
        if isinstance(node, Not):
            return f"NOT ({self.compile(node.part)})"
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(self.compile(part) for part in node.parts) + ")"

    def _required(self, node: Node | None) -> set[int]:
        """Terms every match contains (top-level AND of positive terms): joined, not probed."""
        if isinstance(node, Term):
            return {self.terms[node.text]}
        if isinstance(node, And):
            return {self.terms[part.text] for part in node.parts if isinstance(part, Term)}
        return set()

    def sqlite_ctes(self) -> list[str]:
        """t<n>: every version holding term n; s<n>: bm25 of the newest rank_window of them."""
        ctes = []
        # Materialised once, then probed per candidate. A plain CTE is flattened into the join,
        # and SQLite 3.40 then drove it from search_entries, asking FTS5 once per current version
        # (a count of 复议 over 10,000 reports: 0.7-1.3 s, against 2 ms materialised; bench/web.py).
        materialized = "MATERIALIZED "
        for number, table in self.tables.items():
            ctes.append(f"t{number} AS {materialized}(SELECT rowid AS id FROM {table} WHERE {table} MATCH :q{number})")
        for number in self.positive:
            table = self.tables[number]
            ctes.append(f"s{number} AS MATERIALIZED (SELECT rowid AS id, bm25({table}) AS s FROM {table} "
                        f"WHERE {table} MATCH :q{number} ORDER BY rowid DESC LIMIT :rank_window)")
        return ctes

    def sqlite_joins(self, scores: bool = True) -> str:
        joins = [f"{'JOIN' if n in self.required else 'LEFT JOIN'} t{n} ON t{n}.id = e.version_id"
                 for n in self.tables]
        if scores:
            joins += [f"LEFT JOIN s{n} ON s{n}.id = e.version_id" for n in self.positive]
        return " ".join(joins)

    def sqlite_score(self) -> str:
        if not self.positive:
            return "0.0"
        return "-(" + " + ".join(f"coalesce(s{n}.s, 0.0)" for n in self.positive) + ")"

    def postgresql_score(self) -> str:
        """A bm25-shaped term-frequency score over the normalised text (alias e)."""
        if not self.positive:
            return "0.0"
        parts = []
        for n in self.positive:
            tf = f"((length(e.body) - length(replace(e.body, :q{n}, ''))) / length(:q{n}))::float8"
            parts.append(f"({tf} / ({tf} + 1.2 * (0.25 + 0.75 * length(e.body) / 2000.0)))")
        return " + ".join(parts)


def _filters(query: SearchQuery, params: dict[str, Any]) -> tuple[list[str], set[str]]:
    """WHERE conditions, and which of v (versions), r (reports), a (agencies) they need."""
    where = []
    need: set[str] = set()
    if not query.all_versions:
        where.append("e.is_current = :current")
        params["current"] = True
    if query.year_from is not None:
        where.append("r.year >= :year_from")
        params["year_from"] = query.year_from
        need.add("r")
    if query.year_to is not None:
        where.append("r.year <= :year_to")
        params["year_to"] = query.year_to
        need.add("r")
    if query.agency:
        where.append("r.agency_name = :agency")
        params["agency"] = query.agency
        need.add("r")
    if query.format:
        where.append("r.format = :format")
        params["format"] = query.format
        need.add("r")
    if query.region:
        region = query.region.strip().strip("/")
        where.append("(a.region = :region OR substr(a.region, 1, :region_len) = :region_prefix)")
        params.update(region=region, region_prefix=region + "/", region_len=len(region) + 1)
        need.update("ra")
    if query.kind:
        where.append("a.kind = :kind")
        params["kind"] = query.kind
        need.update("ra")
    if query.check_failed is not None:
        where.append("v.checks_failed > 0" if query.check_failed else "v.checks_failed = 0")
        need.add("v")
    return where, need


def _joins(need: set[str]) -> str:
    joins = ""
    if "v" in need:
        joins += " JOIN report_versions v ON v.id = e.version_id"
    if "r" in need:
        joins += " JOIN reports r ON r.id = e.report_id"
    if "a" in need:
        joins += " LEFT JOIN agencies a ON a.id = r.agency_id"
    return joins


def search(archive: Any, query: SearchQuery, *, rank_window: int | None = None,
           total: int | None = None) -> SearchResult:
    """The hits of `query` on one page, the total, and facet counts if asked. Raises QueryError.

    `rank_window`: how many of the newest matching versions are ranked by relevance (bm25 on
    SQLite, per term; the tf score on PostgreSQL); matches beyond it follow, newest first.
    `total`: the number of matches when the caller already counted them in this state of the
    archive (`counted_facets`: the web UI keeps it with the facets), so they are not counted again.
    """
    _validate(query)
    if rank_window is not None and rank_window < 1:
        raise QueryError(f"rank_window is {rank_window}; it must be at least 1")
    node = parse_query(query.text)
    with archive.engine.connect() as connection:
        _postgresql_settings(connection, node, sorts=True)
        window = rank_window or RANK_WINDOW.get(connection.dialect.name, 1_000)
        return _search(connection, query, node, window, total=total)


def _postgresql_settings(connection: Connection, node: Node | None, *, sorts: bool = False) -> None:
    """The planner settings a search's transaction runs under on PostgreSQL (none on SQLite)."""
    if connection.dialect.name != "postgresql":
        return
    if node is not None:
        # The planner does not cost de-TOASTing: for a term in most rows it picks a sequential
        # scan that unpacks every gram array or text (0.6 s for 20,000 versions) over the
        # exact GIN bitmap (tens of ms). For this transaction only.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    # The ranked statement's estimated cost (a score subquery per match) passes jit_above_cost:
    # compiling it took ~500 ms of a 1.1 s search for a 2-character term in 97,593 of
    # 100,000 reports (bench/search.py), and it runs in tens of ms without.
    connection.exec_driver_sql("SET LOCAL jit = off")
    if sorts:
        # The distinct versions of a term's parts (search_parts) and the sorts over the matches
        # in memory: with the default 4 MB, 100,000 matches spilled to disk.
        connection.exec_driver_sql("SET LOCAL work_mem = '32MB'")


def facet_counts(archive: Any, query: SearchQuery, table: FacetTable | None = None) -> dict[str, dict[str, int]]:
    """The facet counts of `query`'s matches, as `search` gives them with `facets=True`, alone:
    no page of hits, no total (its page, per_page and facets play no part). Raises QueryError.

    With `table` (`facet_table` of the archive as it is now; SQLite), only the matches' ids are
    read and counted against it, instead of joining every match to its version, report and
    agency again (~60 ms of SQL for a word in most of 10,000 reports, bench/web.py)."""
    return counted_facets(archive, query, table)[0]


def counted_facets(archive: Any, query: SearchQuery,
                   table: FacetTable | None = None) -> tuple[dict[str, dict[str, int]], int | None]:
    """`facet_counts` and, when they were counted from the matches' ids (`table`, SQLite), how
    many matches there are: what `search(..., total=)` would otherwise count again (one of a
    search page's three statements over the matches); None when they were counted in SQL."""
    query = dataclasses.replace(query, page=1, per_page=1, facets=True)
    _validate(query)
    node = parse_query(query.text)
    with archive.engine.connect() as connection:
        _postgresql_settings(connection, node)
        if table is not None and connection.dialect.name == "sqlite":
            result = _search(connection, query, node, 1, facets_only=table)
            return result.facets, (result.total if result.total >= 0 else None)
        return _search(connection, query, node, 1, facets_only=True).facets, None


@dataclass(frozen=True)
class FacetTable:
    """Every indexed version's facet values, as small integer codes in arrays indexed by version
    id: what `facet_counts` counts matches against. Built in one statement; valid while the
    archive does not change (the web UI keeps one per archive state)."""

    values: dict[str, tuple[str, ...]]  # facet -> its values ("none" for no value), by code
    codes: dict[str, Any]  # facet -> numpy int32 array: version id -> code, -1 for no such version

    @property
    def size(self) -> int:
        """One past the highest version id it knows."""
        return len(self.codes["year"])

    def count(self, version_ids: Any) -> dict[str, dict[str, int]]:
        import numpy as np

        ids = np.asarray(version_ids, dtype=np.int64)
        out = {}
        for name in FACETS:
            codes = self.codes[name][ids]
            counts = np.bincount(codes[codes >= 0], minlength=len(self.values[name]))
            found = {self.values[name][code]: int(n) for code, n in enumerate(counts) if n}
            out[name] = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
        return out


def facet_table(archive: Any) -> FacetTable:
    """The facet values of every version in the search index, as the facets SQL reads them."""
    import numpy as np

    values = ", ".join(f"{column} AS {name}" for name, column in _FACET_COLUMNS.items())
    with archive.engine.connect() as connection:
        rows = connection.execute(text(
            f"SELECT e.version_id, {values} FROM search_entries e JOIN report_versions v ON v.id = e.version_id "
            "JOIN reports r ON r.id = e.report_id LEFT JOIN agencies a ON a.id = r.agency_id")).all()
    size = max((row[0] for row in rows), default=0) + 1
    table_values: dict[str, tuple[str, ...]] = {}
    codes: dict[str, Any] = {}
    for column, name in enumerate(FACETS, start=1):
        known: dict[str, int] = {}
        array = np.full(size, -1, dtype=np.int32)
        for row in rows:
            value = "none" if row[column] is None else str(row[column])
            array[row[0]] = known.setdefault(value, len(known))
        table_values[name] = tuple(known)
        codes[name] = array
    return FacetTable(table_values, codes)


def _search(connection: Connection, query: SearchQuery, node: Node | None, rank_window: int, *,
            facets_only: bool | FacetTable = False, total: int | None = None) -> SearchResult:
    compiler = _Compiler(connection.dialect.name, node, rank_window)
    params = dict(compiler.params)
    where, need = _filters(query, params)
    filters = list(where)  # without the terms' condition
    if not compiler.positive:
        need.add("r")  # everything, or a purely negative query: newest report year first
    sqlite = compiler.dialect == "sqlite"
    params.update(limit=query.per_page, offset=(query.page - 1) * query.per_page)
    if compiler.condition is not None and not (sqlite and compiler.joins_are_condition):
        where.append(compiler.condition)
    where_sql = (" WHERE " + " AND ".join(where)) if where else ""

    # PostgreSQL, a query with terms: its matches from the term indexes and set operations
    # (_Compiler.matches_sql), as `e` with one column; with filters, intersected with the
    # versions that pass them (one hashed set operation). Joined per match instead, the planner,
    # misjudging how many rows a filter leaves (and never told what the windows cost), probed the
    # parts of each filtered version and computed their windows: 23 s for 开工作 in 江苏省 over
    # the kept 100,000 reports.
    matches = None
    if not sqlite and compiler.positive and node is not None:
        matches = compiler.matches_sql(node, current=not query.all_versions, filtered=(
            f"SELECT e.version_id FROM search_entries e{_joins(need)} WHERE {' AND '.join(filters)}"
            if need else None))

    def statement(columns: str, tables: set[str], ranked: bool) -> str:
        ctes = compiler.sqlite_ctes() if sqlite else []
        if sqlite:
            return (("WITH " + ", ".join(ctes) + " ") if ctes else "") + (
                f"SELECT {columns} FROM search_entries e {compiler.sqlite_joins(scores=ranked)}"
                f"{_joins(tables)}{where_sql}")
        source = f"({matches}) AS e" if matches is not None else f"search_entries e{_joins(tables)}{where_sql}"
        if not ranked:
            return f"SELECT {columns} FROM {source}"
        # Matches first (materialised: GIN row estimates are poor), then a score only for
        # the newest rank_window of them (w: a top-N, not a sort and row numbers over every match),
        # looked up row by row (no join for the planner to misjudge); the older ones unscored.
        head = (f"WITH m AS MATERIALIZED (SELECT e.version_id FROM {source}), "
                "w AS MATERIALIZED (SELECT version_id FROM m ORDER BY version_id DESC LIMIT :rank_window)")
        if params["offset"] + params["limit"] <= params["rank_window"]:
            # The page lies within the ranked window: the older matches, unscored, come after
            # every ranked one (a score is never negative and they are older), so only the
            # window is sorted, not a row for every match.
            return f"{head} SELECT {columns} FROM (SELECT version_id, true AS scored FROM w) AS ranked"
        return (
            f"{head}, ranked AS (SELECT version_id, true AS scored FROM w UNION ALL "
            "SELECT version_id, false FROM m WHERE version_id < (SELECT min(version_id) FROM w)) "
            f"SELECT {columns} FROM ranked"
        )

    if isinstance(facets_only, FacetTable):  # the matches' ids, counted against the table
        # The DB-API cursor's rows as they come (thousands of one-column rows: no Row objects).
        ids = [row[0] for row in connection.exec_driver_sql(statement("e.version_id", need, ranked=False),
                                                            params).cursor.fetchall()]
        if not ids or max(ids) < facets_only.size:  # else a version came after the table: count in SQL
            return SearchResult(query, len(ids), (), facets_only.count(ids))
    facets = _facets(connection, statement("{columns}", need, ranked=False), params) if query.facets else {}
    if facets_only:
        return SearchResult(query, -1, (), facets)
    if compiler.positive and sqlite:
        if total is None:
            total = connection.execute(text(statement("count(*)", need, ranked=False)), params).scalar_one()
        scored = _sqlite_page(connection, compiler, need, where, params)
        return SearchResult(query, total, _hits(connection, scored, node), facets)

    if compiler.positive:  # PostgreSQL
        # body || '': the text de-TOASTed once per row (OFFSET 0 keeps it a value), not once for
        # each length() and replace() of the score.
        columns = ("version_id, CASE WHEN scored THEN (SELECT "
                   f"{compiler.postgresql_score()} FROM (SELECT body || '' AS body FROM search_entries "
                   "WHERE version_id = ranked.version_id OFFSET 0) AS e) "
                   "ELSE 0.0 END AS score, (SELECT count(*) FROM m) AS total")
        order = "score DESC, version_id DESC"
    else:
        columns = "e.version_id AS version_id, 0.0 AS score, count(*) OVER () AS total"
        order = "r.year IS NULL, r.year DESC, e.version_id DESC"
    page_sql = (statement(columns, need, ranked=bool(compiler.positive))
                + f" ORDER BY {order} LIMIT :limit OFFSET :offset")
    rows = connection.execute(text(page_sql), params).all()
    if rows:
        total = rows[0].total
    else:
        total = connection.execute(text(statement("count(*)", need, ranked=False)), params).scalar_one()
    hits = _hits(connection, [(row.version_id, float(row.score)) for row in rows], node)
    return SearchResult(query, total, hits, facets)


def _sqlite_page(connection: Connection, compiler: _Compiler, need: set[str], where: list[str],
                 params: dict[str, Any]) -> list[tuple[int, float]]:
    """One page of a ranked SQLite query without sorting every match: first the matches inside
    some positive term's rank window (s<n>, at most rank_window each) by bm25, then the other
    matches, newest first. Driving from the windows keeps a page at a few thousand rows however
    common the term."""
    ctes = compiler.sqlite_ctes()
    windows = " UNION ALL ".join(f"SELECT id, s FROM s{n}" for n in compiler.positive)
    ctes.append(f"w AS MATERIALIZED (SELECT id, -sum(s) AS score FROM ({windows}) GROUP BY id)")
    with_sql = "WITH " + ", ".join(ctes) + " "
    single = len(compiler.terms) == 1  # w is inside the one term's matches: no term join needed
    term_joins = "" if single else compiler.sqlite_joins(scores=False)
    where_sql = (" WHERE " + " AND ".join(where)) if where else ""
    ranked_sql = (
        f"{with_sql}SELECT e.version_id AS version_id, w.score AS score, count(*) OVER () AS ranked "
        f"FROM w CROSS JOIN search_entries e ON e.version_id = w.id {term_joins}{_joins(need)}"
        f"{where_sql} ORDER BY score DESC, version_id DESC LIMIT :limit OFFSET :offset"
    )
    rows = connection.execute(text(ranked_sql), params).all()
    scored = [(row.version_id, float(row.score)) for row in rows]
    if len(scored) == params["limit"]:
        return scored
    if rows:
        ranked = rows[0].ranked
    else:
        count_sql = ranked_sql.replace("count(*) OVER () AS ranked", "1 AS ranked").rsplit(" ORDER BY ", 1)[0]
        ranked = connection.execute(text(f"SELECT count(*) FROM ({count_sql})"), params).scalar_one()
    rest = dict(params, limit=params["limit"] - len(scored), offset=max(0, params["offset"] - ranked))
    rest_where = " AND ".join([*where, "e.version_id NOT IN (SELECT id FROM w)"])
    rest_sql = (
        f"{with_sql}SELECT e.version_id AS version_id FROM search_entries e "
        f"{compiler.sqlite_joins(scores=False)}{_joins(need)} WHERE {rest_where} "
        "ORDER BY e.version_id DESC LIMIT :limit OFFSET :offset"
    )
    return scored + [(version_id, 0.0) for version_id in connection.scalars(text(rest_sql), rest)]


FACETS = ("year", "region", "kind", "format", "checks")
_FACET_COLUMNS = {"year": "r.year", "region": "a.region", "kind": "a.kind", "format": "r.format",
                  "checks": "CASE WHEN v.checks_failed > 0 THEN 'failed' ELSE 'ok' END"}


def _facets(connection: Connection, base: str, params: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Counts over every match (base: the match statement with a {columns} slot).

    The matches are found first, once (materialised: the planner may otherwise drive the join
    from every report and probe the term's matches per row: 8 s for 复议 OR 诉讼 over 10,000
    reports, bench/web.py), then each facet is one GROUP BY over their rows, so what comes back
    is one row per value (not one per combination of the five)."""
    values = ", ".join(f"{column} AS {name}" for name, column in _FACET_COLUMNS.items())
    groups = " UNION ALL ".join(f"SELECT '{name}' AS facet, CAST({name} AS TEXT) AS value, count(*) AS n "
                                f"FROM f GROUP BY {name}" for name in FACETS)
    sql = (f"WITH m AS MATERIALIZED ({base.format(columns='e.version_id AS version_id')}), "
           f"f AS MATERIALIZED (SELECT {values} FROM m JOIN search_entries e ON e.version_id = m.version_id "
           "JOIN report_versions v ON v.id = e.version_id JOIN reports r ON r.id = e.report_id "
           "LEFT JOIN agencies a ON a.id = r.agency_id) " + groups)
    facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for facet, value, count in connection.execute(text(sql), params):
        key = "none" if value is None else value
        counts = facets[facet]
        counts[key] = counts.get(key, 0) + count
    return {name: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            for name, counts in facets.items()}


# A hit shows five of its record's fields: read out in SQL, not by decoding each hit's whole
# record (every table of the form) in Python, which was a tenth of a search page's time.
_RECORD_FIELDS = ("agency", "year", "title", "published_on", "format")
_HIT_FIELDS = {
    "sqlite": ", ".join(f"json_extract(v.record, '$.{name}') AS record_{name}" for name in _RECORD_FIELDS),
    "postgresql": ", ".join(f"v.record -> '{name}' AS record_{name}" for name in _RECORD_FIELDS),
}
_HIT_SQL = (
    "SELECT v.id AS version_id, v.report_id, v.capture_id, {fields}, v.text, v.checks_failed,"
    " e.is_current, r.url, r.agency_name, a.region, a.kind, c.captured_at"
    " FROM report_versions v JOIN search_entries e ON e.version_id = v.id"
    " JOIN reports r ON r.id = v.report_id LEFT JOIN agencies a ON a.id = r.agency_id"
    " JOIN captures c ON c.id = v.capture_id"
)


def _hits(connection: Connection, scored: list[tuple[int, float]], node: Node | None) -> tuple[Hit, ...]:
    if not scored:
        return ()
    ids = [version_id for version_id, _ in scored]
    placeholders = ", ".join(f":v{i}" for i in range(len(ids)))
    rows = {row.version_id: row for row in connection.execute(
        # Typed as the model's column, so SQLite's text comes back an aware UTC datetime too.
        text(f"{_HIT_SQL.format(fields=_HIT_FIELDS[connection.dialect.name])} WHERE v.id IN ({placeholders})")
        .columns(captured_at=UTCDateTime()),
        {f"v{i}": vid for i, vid in enumerate(ids)}
    )}
    terms = [term.text for term in positive_terms(node)]
    hits = []
    for version_id, score in scored:
        row = rows[version_id]
        hits.append(Hit(
            report_id=row.report_id,
            version_id=version_id,
            capture_id=row.capture_id,
            agency=row.agency_name or row.record_agency,
            region=row.region,
            kind=row.kind,
            year=row.record_year,
            title=row.record_title,
            url=row.url,
            captured_at=row.captured_at,
            published_on=_date(row.record_published_on),
            format=row.record_format,
            checks_failed=row.checks_failed,
            is_current=bool(row.is_current),
            snippet=snippet(row.text or "", terms),
            score=score,
        ))
    return tuple(hits)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def snippet(original: str, terms: list[str], width: int = SNIPPET_CHARS) -> tuple[tuple[str, bool], ...]:
    """About `width` characters of `original` around the first place a term matches, as
    (segment, matched) pairs; the matches found by their normalised form, marked in the original.

    Normalisation is per character (storage.textnorm), so a prefix of the text normalises to a
    prefix of its normalised form: the text is normalised only as far as the snippet needs (a
    few times its width past the first match, doubling until every match that could reach the
    snippet has been seen), not whole (a 5,000-character report 20 times a page: 28 ms of a
    search page's time, bench/web.py). The answer is the one the whole text gives."""
    terms = [term for term in dict.fromkeys(terms) if term]
    if not terms:
        return _snippet_of(original, "", [], terms, width)
    longest = max(map(len, terms))
    size = 4 * width
    while size < len(original):
        normalized, origin = normalize_with_offsets(original[:size])
        found = _snippet_spans(normalized, origin, terms)
        if found:
            right = _window(found, len(original), width)[1]
            # Every match starting at or before `right` lies wholly in this prefix: the snippet and
            # the first match's extent are settled.
            if len(normalized) >= bisect.bisect_right(origin, right) + longest:
                return _snippet_of(original, normalized, origin, terms, width)
        size *= 2
    return _snippet_of(original, *normalize_with_offsets(original), terms, width)


def _snippet_spans(normalized: str, origin: list[int], terms: list[str]) -> list[tuple[int, int]]:
    """The terms' matches in the normalised text, as original spans, sorted and merged."""
    spans: list[tuple[int, int]] = []  # in original offsets
    for term in terms:
        start = normalized.find(term)
        while start >= 0:
            end = start + len(term)
            spans.append((origin[start], origin[end - 1] + 1))
            start = normalized.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _window(merged: list[tuple[int, int]], length: int, width: int) -> tuple[int, int]:
    if merged:
        first = merged[0]
        left = max(0, first[0] - width // 3)
        return left, min(length, max(first[1], left + width))
    return 0, min(length, width)


def _snippet_of(original: str, normalized: str, origin: list[int], terms: list[str],
                width: int) -> tuple[tuple[str, bool], ...]:
    """The snippet of `original` from its normalised form (or a long enough prefix of it)."""
    merged = _snippet_spans(normalized, origin, terms)
    left, right = _window(merged, len(original), width)
    segments: list[tuple[str, bool]] = []
    position = left
    for start, end in merged:
        if end <= left or start >= right:
            continue
        start, end = max(start, left), min(end, right)
        if start > position:
            segments.append((original[position:start], False))
        segments.append((original[start:end], True))
        position = end
    if position < right:
        segments.append((original[position:right], False))
    cleaned = [(re.sub(r"\s+", " ", segment), matched) for segment, matched in segments]
    if cleaned and left > 0:
        cleaned[0] = ("…" + cleaned[0][0].lstrip(), cleaned[0][1]) if not cleaned[0][1] else cleaned[0]
        if cleaned[0][1]:
            cleaned.insert(0, ("…", False))
    if cleaned and right < len(original):
        cleaned.append(("…", False))
    return tuple(cleaned)
