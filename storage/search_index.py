"""The full-text index: its tables on each backend, and keeping them in step with the archive.

What is indexed is each report version's `text`: the whole report as a reader sees it (title,
section headings, narrative, and the tables as the form prints them, labels and numbers:
`parsing.form_text.document_text`), normalised by `storage.textnorm`. So 复议 finds a report
whose table 四 is about 行政复议 even when its narrative never says it. The numbers are compared
with `storage.stats`. An archive whose texts were made another way (before the tables were
indexed, migration 0007) is brought in step by `retext` (`nianbao db reindex`).

SQLite (FTS5, SQLite >= 3.34):
- `search_trigram`: contentless FTS5, `trigram` tokenizer: any term of 3+ characters is a
  substring query answered by the index, ranked by bm25.
- `search_short`: contentless FTS5, `unicode61` tokenizer over pre-tokenised text: the distinct
  single letters/digits of the version and its distinct 2-character runs of letters/digits,
  space-separated, so a 1 or 2 character term (罚, 行政) is one token looked up in the index.
  The trigram tokenizer answers nothing for them, and LIKE against a trigram table is wrong on
  SQLite 3.40 (Debian 12's), so neither is used for short terms.

PostgreSQL:
- `search_parts`: the normalised text again, in parts of PART_STEP characters that overlap by
  PART_OVERLAP (MAX_TERM_CHARS - 1), so every occurrence of a term lies wholly within one part,
  with a GIN index on `nianbao_windows(body)`: the distinct windows of WINDOW_CHARS characters
  starting at each position (shorter at a part's end), as lexemes of a tsvector (an expression
  index: the windows are computed on insert and never stored in the table). A term t of 3 to
  WINDOW_CHARS characters occurs in a part exactly when some window begins with it, which is
  the index's prefix match `'t':*`: answered from the index alone, no text re-read. A longer term
  is a conjunction of its WINDOW_CHARS-character pieces within one part (a necessary condition,
  from the index) and then `search_entries.body LIKE '%term%'` on those candidates only. (The
  parts keep each tsvector far below its 1 MB limit whatever a report's length.) This replaced
  a pg_trgm index on `body` (migration 0011): `LIKE` is lossy in a trigram index, so every
  candidate's TOASTed text was read again, ~20 us a match (1.2 s for a 3-character term in
  30,000 of 100,000 reports, bench/search.py). It needs no extension and no UTF-8 LC_CTYPE.
  Each part carries a copy of its entry's `is_current` (migration 0014; `refresh_current` keeps
  it, `verify` checks it), so a term's current matches come from the parts alone, never joined
  back to `search_entries` one probe per match (`storage.search`).
- `search_entries.grams`: the same distinct 1/2-character grams as SQLite's `search_short`, in a
  text[] with a GIN index, for 1-2 character terms.
- `search_entries.body`: the normalised text, for the ranking score and the longer terms' check.

Both: `search_entries(version_id, report_id, is_current)`: `is_current` marks the version
`Archive.latest_versions()` would pick (of the payload captured last at the report's URL, the
newest record), maintained on every flush that adds a version or a capture (`IndexedSession`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, event, select, text
from sqlalchemy.orm import Session

from parsing.form_text import document_text

from . import numbers_table
from .models import Capture, Report, ReportVersion
from .search_syntax import MAX_TERM_CHARS
from .textnorm import normalize, short_grams

log = logging.getLogger(__name__)

SQLITE_DDL = (
    ("CREATE TABLE search_entries ("
     " version_id INTEGER NOT NULL PRIMARY KEY REFERENCES report_versions (id),"
     " report_id INTEGER NOT NULL REFERENCES reports (id),"
     " is_current BOOLEAN NOT NULL DEFAULT 0)"),
    "CREATE INDEX ix_search_entries_report_id ON search_entries (report_id)",
    "CREATE INDEX ix_search_entries_current ON search_entries (is_current, version_id)",
    "CREATE VIRTUAL TABLE search_trigram USING fts5(body, tokenize = 'trigram', content = '')",
    # detail=none: the short index only needs which versions hold a gram (no positions), which
    # keeps it a fraction of the trigram index's size.
    ("CREATE VIRTUAL TABLE search_short USING fts5("
     "grams, tokenize = 'unicode61 remove_diacritics 0', content = '', detail = none)"),
)

# PostgreSQL's windows (see the module docstring). WINDOW_CHARS bounds the terms answered from
# the index alone; each added character makes the index larger (more distinct keys).
WINDOW_CHARS = 6
PART_STEP = 20_000  # characters a part adds: at most ~20,100 windows, a tsvector well under 1 MB
PART_OVERLAP = MAX_TERM_CHARS - 1  # a term's every occurrence lies wholly within one part

# The windows starting at positions k, k + W, k + 2W, ... for k = 1..W: W passes of a
# non-overlapping regexp, linear in the text (substr(body, i, W) for every i is quadratic in a
# multibyte text). array_to_tsvector sorts and removes the duplicates. COST: the planner must
# never choose to compute it row by row over a table.
WINDOWS_FUNCTION = (
    "CREATE OR REPLACE FUNCTION nianbao_windows(body text) RETURNS tsvector"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 100000 AS $$"
    " SELECT array_to_tsvector(coalesce(array_agg(m[1]), '{}'))"
    f" FROM generate_series(1, {WINDOW_CHARS}) AS k,"
    f" regexp_matches(substr(body, k), '.{{1,{WINDOW_CHARS}}}', 'g') AS m $$"
)

POSTGRESQL_PARTS_DDL = (
    WINDOWS_FUNCTION,
    # is_current: a copy of the entry's (refresh_current keeps it), so a term's current matches
    # come from this table alone. fillfactor: room for that flag's updates on the same page (a
    # HOT update: no new index entry, so no windows computed again).
    ("CREATE TABLE IF NOT EXISTS search_parts ("
     " version_id INTEGER NOT NULL REFERENCES search_entries (version_id) ON DELETE CASCADE,"
     " part INTEGER NOT NULL,"
     " body TEXT NOT NULL,"
     " is_current BOOLEAN NOT NULL DEFAULT false,"
     " PRIMARY KEY (version_id, part)) WITH (fillfactor = 90)"),
    "CREATE INDEX IF NOT EXISTS ix_search_parts_windows ON search_parts USING gin (nianbao_windows(body))",
    # ANALYZE would otherwise compute the windows of 30,000 sampled parts for statistics that no
    # plan here needs.
    "ALTER INDEX ix_search_parts_windows ALTER COLUMN 1 SET STATISTICS 0",
)

POSTGRESQL_DDL = (
    ("CREATE TABLE search_entries ("
     " version_id INTEGER NOT NULL PRIMARY KEY REFERENCES report_versions (id) ON DELETE CASCADE,"
     " report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,"
     " is_current BOOLEAN NOT NULL DEFAULT false,"
     " body TEXT NOT NULL,"
     " grams TEXT[] NOT NULL)"),
    "CREATE INDEX ix_search_entries_report_id ON search_entries (report_id)",
    "CREATE INDEX ix_search_entries_current ON search_entries (is_current, version_id)",
    "CREATE INDEX ix_search_entries_grams ON search_entries USING gin (grams)",
    *POSTGRESQL_PARTS_DDL,
)

DROP_DDL = {
    "sqlite": ("DROP TABLE IF EXISTS search_short", "DROP TABLE IF EXISTS search_trigram",
               "DROP TABLE IF EXISTS search_entries"),
    "postgresql": ("DROP TABLE IF EXISTS search_parts", "DROP TABLE IF EXISTS search_entries",
                   "DROP FUNCTION IF EXISTS nianbao_windows(text)"),
}


def create_tables(connection: Connection) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        statements = SQLITE_DDL
    elif dialect == "postgresql":
        statements = POSTGRESQL_DDL
    else:
        raise RuntimeError(f"full-text search supports SQLite and PostgreSQL, not {dialect}")
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_tables(connection: Connection) -> None:
    for statement in DROP_DDL[connection.dialect.name]:
        connection.exec_driver_sql(statement)


def index_rows(version_id: int, body: str) -> dict[str, object]:
    """The index's values for one version's text (both backends)."""
    normalized = normalize(body)
    unigrams, bigrams = short_grams(normalized)
    grams = unigrams + bigrams  # a 1-character gram and a 2-character one never collide
    return {"id": version_id, "body": normalized, "grams": grams, "gram_text": " ".join(grams)}


def index_versions(connection: Connection, versions: Iterable[tuple[int, int, str]]) -> int:
    """Index (version_id, report_id, text) rows not indexed yet; how many were added."""
    versions = list(versions)
    if not versions:
        return 0
    ids = [version_id for version_id, _, _ in versions]
    known = set(connection.scalars(
        text("SELECT version_id FROM search_entries WHERE version_id IN (SELECT value FROM json_each(:ids))")
        if connection.dialect.name == "sqlite" else
        text("SELECT version_id FROM search_entries WHERE version_id = ANY(:ids)"),
        {"ids": _json_ids(ids) if connection.dialect.name == "sqlite" else ids},
    ))
    fresh = [(vid, rid, body) for vid, rid, body in versions if vid not in known]
    if not fresh:
        return 0
    rows = [{**index_rows(vid, body or ""), "report_id": rid} for vid, rid, body in fresh]
    if connection.dialect.name == "sqlite":
        connection.execute(text("INSERT INTO search_entries (version_id, report_id, is_current) "
                                "VALUES (:id, :report_id, 0)"), rows)
        connection.execute(text("INSERT INTO search_trigram (rowid, body) VALUES (:id, :body)"), rows)
        connection.execute(text("INSERT INTO search_short (rowid, grams) VALUES (:id, :gram_text)"), rows)
    else:
        connection.execute(text("INSERT INTO search_entries (version_id, report_id, is_current, body, grams) "
                                "VALUES (:id, :report_id, false, :body, :grams)"), rows)
        # Current until refresh_current, which always follows, says otherwise: a new version
        # mostly is, and flipping a flag is an update that may compute the windows again.
        connection.execute(text("INSERT INTO search_parts (version_id, part, body, is_current) "
                                "VALUES (:id, :part, :body, true)"),
                           [{"id": row["id"], "part": number, "body": part}
                            for row in rows for number, part in enumerate(text_parts(row["body"]))])
    return len(rows)


def text_parts(normalized: str) -> list[str]:
    """PostgreSQL's `search_parts` of a normalised text: PART_STEP characters each, and the next
    PART_OVERLAP characters with them (at least one part, empty for an empty text)."""
    return [normalized[start : start + PART_STEP + PART_OVERLAP]
            for start in range(0, max(len(normalized), 1), PART_STEP)]


def windows_query(term: str) -> str:
    """The tsquery that finds, in `nianbao_windows`, the parts holding a normalised term of 3+
    characters: exactly those containing it up to WINDOW_CHARS characters (a window starting
    with it, `'term':*`); for a longer term, those containing each of its WINDOW_CHARS-character
    pieces (a necessary condition only: the caller checks the text)."""
    if len(term) <= WINDOW_CHARS:
        return _lexeme(term) + ":*"
    starts = list(range(0, len(term) - WINDOW_CHARS + 1, WINDOW_CHARS))
    if starts[-1] != len(term) - WINDOW_CHARS:
        starts.append(len(term) - WINDOW_CHARS)
    # A piece of WINDOW_CHARS characters can only be a whole window: an exact lexeme.
    return " & ".join(_lexeme(term[start : start + WINDOW_CHARS]) for start in starts)


def _lexeme(value: str) -> str:
    """A quoted tsquery lexeme (taken as it is: no parser or dictionary touches it)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def windows_exact(term: str) -> bool:
    """Whether `windows_query(term)` alone decides a match (no text to check)."""
    return len(term) <= WINDOW_CHARS


def add_parts(connection: Connection) -> None:
    """PostgreSQL: create `search_parts` and its windows index where they are missing and fill
    them from `search_entries` (the split `text_parts` makes), and drop the pg_trgm index on
    `body` they replace (migration 0011). Idempotent: a database created with them already is
    left as it is."""
    fresh = not connection.scalar(text("SELECT to_regclass('search_parts') IS NOT NULL"))
    connection.exec_driver_sql(WINDOWS_FUNCTION)
    connection.exec_driver_sql(POSTGRESQL_PARTS_DDL[1])
    if fresh:
        # Before the index: one GIN build, far faster than row by row.
        connection.execute(text(
            "INSERT INTO search_parts (version_id, part, body, is_current)"
            " SELECT e.version_id, n, substr(e.body, n * :step + 1, :step + :overlap), e.is_current"
            " FROM search_entries e, generate_series(0, greatest(length(e.body) - 1, 0) / :step) AS n"),
            {"step": PART_STEP, "overlap": PART_OVERLAP})
    for statement in POSTGRESQL_PARTS_DDL[2:]:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("DROP INDEX IF EXISTS ix_search_entries_body_trgm")


def add_parts_current(connection: Connection) -> int:
    """PostgreSQL: `search_parts.is_current`, a copy of each part's entry's flag (migration 0014),
    set from `search_entries`; how many parts were not current. Idempotent. The column comes with
    the default true, which costs no rewrite of the table (a default held in the catalogue), so
    only the parts of versions that are not current are written: each such update computes the
    part's windows again for the index (~3 ms a part)."""
    connection.exec_driver_sql(
        "ALTER TABLE search_parts ADD COLUMN IF NOT EXISTS is_current BOOLEAN NOT NULL DEFAULT true")
    connection.exec_driver_sql("ALTER TABLE search_parts ALTER COLUMN is_current SET DEFAULT false")
    connection.exec_driver_sql("ALTER TABLE search_parts SET (fillfactor = 90)")
    return _sync_parts_current(connection, None)


def drop_parts_current(connection: Connection) -> None:
    """PostgreSQL: migration 0014's downgrade."""
    connection.exec_driver_sql("ALTER TABLE search_parts DROP COLUMN IF EXISTS is_current")
    connection.exec_driver_sql("ALTER TABLE search_parts RESET (fillfactor)")


def _sync_parts_current(connection: Connection, report_ids: list[int] | None) -> int:
    """Copy `is_current` from these reports' entries (None: every report) to their parts where
    it differs (an update that changes nothing would still write a row); how many changed."""
    statement = ("UPDATE search_parts p SET is_current = e.is_current FROM search_entries e"
                 " WHERE e.version_id = p.version_id AND p.is_current <> e.is_current")
    if report_ids is None:
        return connection.execute(text(statement)).rowcount
    return connection.execute(text(statement + " AND e.report_id = ANY(:ids)"), {"ids": report_ids}).rowcount


def drop_parts(connection: Connection) -> None:
    """PostgreSQL: back to the pg_trgm index on `body` (migration 0011's downgrade)."""
    connection.exec_driver_sql("DROP TABLE IF EXISTS search_parts")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS nianbao_windows(text)")
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    connection.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_search_entries_body_trgm ON search_entries "
                               "USING gin (body gin_trgm_ops)")


def _json_ids(ids: Sequence[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


# Of the payload captured last at the report's URL (a revisit counts as seeing it again), the
# newest record: the same choice as Archive.latest_versions(), as one statement.
_CURRENT_VERSION = (
    "SELECT v.id FROM report_versions v JOIN reports r ON r.id = v.report_id"
    " WHERE v.report_id = search_entries.report_id"
    " ORDER BY (SELECT max(c.captured_at) FROM captures c"
    "           WHERE c.sha256 = v.sha256 AND coalesce(c.final_url, c.url) = r.url) DESC, v.id DESC"
    " LIMIT 1"
)


def refresh_current(connection: Connection, report_ids: Iterable[int] | None = None) -> None:
    """Recompute `is_current` for these reports' versions (None: every report)."""
    statement = f"UPDATE search_entries SET is_current = (version_id = ({_CURRENT_VERSION}))"
    postgresql = connection.dialect.name == "postgresql"
    if report_ids is None:
        connection.execute(text(statement))
        if postgresql:
            _sync_parts_current(connection, None)
        return
    ids = sorted(set(report_ids))
    if not ids:
        return
    if not postgresql:
        connection.execute(text(statement + " WHERE report_id IN (SELECT value FROM json_each(:ids))"),
                           {"ids": _json_ids(ids)})
    else:
        connection.execute(text(statement + " WHERE report_id = ANY(:ids)"), {"ids": ids})
        _sync_parts_current(connection, ids)


def rebuild(connection: Connection, batch: int = 500) -> int:
    """Index every version not indexed yet and recompute every current flag; how many were added."""
    added = 0
    last = 0
    while True:
        rows = connection.execute(
            select(ReportVersion.id, ReportVersion.report_id, ReportVersion.text)
            .where(ReportVersion.id > last).order_by(ReportVersion.id).limit(batch)
        ).all()
        if not rows:
            break
        added += index_versions(connection, [tuple(row) for row in rows])
        last = rows[-1][0]
    refresh_current(connection)
    if numbers_table.exists(connection):  # not before migration 0008, which creates it (0002 and 0007 rebuild)
        numbers_table.fill(connection)
    return added


def _after_flush(session: Session, _context: object) -> None:
    numbers_table.follow_flush(session)
    versions = [obj for obj in session.new if isinstance(obj, ReportVersion)]
    captures = [obj for obj in session.new if isinstance(obj, Capture)]
    if not versions and not captures:
        return
    connection = session.connection()
    index_versions(connection, [(v.id, v.report_id, v.text) for v in versions])
    report_ids = {v.report_id for v in versions}
    urls = {c.final_url or c.url for c in captures}
    if urls:
        report_ids.update(connection.scalars(select(Report.id).where(Report.url.in_(urls))))
    refresh_current(connection, report_ids)


class IndexedSession(Session):
    """A session that keeps the index in step with every version and capture it flushes.

    The listener sits on this class, once, at import. (It used to be added to each archive's
    sessionmaker behind an `event.contains` check; a sessionmaker born at the address of a
    collected one could pass for already listened to, and its archive was never indexed: the
    search tests' empty results that came and went with garbage collection.)"""


event.listen(IndexedSession, "after_flush", _after_flush)


def verify(connection: Connection) -> list[str]:
    """What is wrong with the index: versions not indexed, entries without a version, reports
    without exactly one current version. Empty when it is in step (`rebuild` repairs the first
    and the last)."""
    problems = []
    missing = connection.scalar(text(
        "SELECT count(*) FROM report_versions v WHERE NOT EXISTS "
        "(SELECT 1 FROM search_entries e WHERE e.version_id = v.id)"))
    if missing:
        problems.append(f"{missing} report versions are not in the search index")
    stray = connection.scalar(text(
        "SELECT count(*) FROM search_entries e WHERE NOT EXISTS "
        "(SELECT 1 FROM report_versions v WHERE v.id = e.version_id)"))
    if stray:
        problems.append(f"{stray} search index entries have no report version")
    wrong = connection.scalar(text(
        "SELECT count(*) FROM (SELECT report_id FROM search_entries GROUP BY report_id "
        "HAVING sum(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1) AS bad"))
    if wrong:
        problems.append(f"{wrong} reports do not have exactly one current version in the search index")
    if connection.dialect.name == "postgresql":
        partless = connection.scalar(text(
            "SELECT count(*) FROM search_entries e WHERE NOT EXISTS "
            "(SELECT 1 FROM search_parts p WHERE p.version_id = e.version_id)"))
        if partless:
            problems.append(f"{partless} search index entries have no text parts (search_parts)")
        astray = connection.scalar(text(
            "SELECT count(*) FROM search_parts p JOIN search_entries e ON e.version_id = p.version_id"
            " WHERE p.is_current <> e.is_current"))
        if astray:
            problems.append(f"{astray} text parts (search_parts) disagree with their entry on which version is current")
    return problems


def retext(connection: Connection, batch: int = 500) -> int:
    """Write every version's `text` again from its stored record (`document_text`), then
    recreate the index from them; how many versions' texts changed. No reparse: the records
    stay as they are."""
    changed = 0
    last = 0
    while True:
        # Plain SQL: migration 0007 runs this, and must not depend on columns added after it.
        rows = connection.execute(text(
            "SELECT id, record, text FROM report_versions WHERE id > :last ORDER BY id LIMIT :batch"
        ), {"last": last, "batch": batch}).all()
        if not rows:
            break
        updates = [{"id": vid, "text": fresh} for vid, record, old in rows
                   if (fresh := document_text(_record(record))) != old]
        if updates:
            connection.execute(text("UPDATE report_versions SET text = :text WHERE id = :id"), updates)
        changed += len(updates)
        last = rows[-1][0]
    recreate(connection)
    return changed


def _record(value: object) -> dict:
    """A stored record as a dict (JSON columns read through a bare select may arrive as text)."""
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def recreate(connection: Connection) -> int:
    """Drop the index, create it again and fill it from every version; how many were indexed."""
    drop_tables(connection)
    create_tables(connection)
    return rebuild(connection)
