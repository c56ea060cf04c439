"""Could this payload be an annual report at all? A check in well under a millisecond, before
the expensive reading (trafilatura and the table readers), that refuses only what the parser
would refuse.

`parse_report` makes a record of an HTML or text payload only when (report.py `build_record`):
(A) a table was found, and a table is found only after one of the form's table headings
(`labels._TABLE_MARKERS`: 第二十条, 本年新收, 行政复议, ...) opens it in a label cell; or
(B) the page mentions 信息公开 (`report._REPORT_WORDS`) and has a title and at least three of the
narrative sections (`labels._SECTION_KEYWORDS`: 总体情况, 主动公开, 依申请公开, ...). Every
such pattern needs certain words in any text it matches; the gate takes those words from the
parser's own patterns (`required_words`, when this module is imported, so it follows the
parser when its patterns change) and refuses a payload whose text holds none of them, or
信息公开 with the words of fewer than three sections. It searches the whole decoded page (as
`decode_bytes` decodes it for the parser), character references resolved and NFKC-normalised
where that matters, for each word with anything the parser does not see allowed between its
characters: whitespace and quotes (what `labels.normalize_label` drops), tags, comments, and
elements dropped with their content (`信息<span>公开</span>` is 信息公开; and once more without
the elements trafilatura cleans out).

Only HTML and text payloads are judged; PDF, Word and anything the parser refuses by its own
cheap checks (size, emptiness, type) go to the parser unjudged, and so does a page titled as a
notice or a sector report (the parser's refusal names it). A refusal is the `NotAReportError`
the parser would raise, its message the parser's followed by "(seen before parsing: ...)",
stored as the capture's parse error like any other. Evidence: tests/parsing/test_gate.py and
bench/gate.py (every report we hold, the generated sites: no report refused).
"""

from __future__ import annotations

import html
import logging
import re
import re._constants as sre  # noqa: PLC2701 - the regex parser is the only way to read a pattern's words
import re._parser as sre_parse  # noqa: PLC2701
import unicodedata

from . import labels
from .decode import check_text_bytes, decode_bytes
from .errors import NotAReportError, ParseError
from .limits import DEFAULT_LIMITS, Limits
from .report import _REPORT_WORDS, _SECTOR, NOTICE_WORDS
from .sniff import PayloadType, sniff

from trafilatura.settings import MANUALLY_CLEANED

log = logging.getLogger(__name__)

# report.py refuses a page without tables unless it has at least this many narrative sections.
NARRATIVE_SECTIONS = 3


def required_words(pattern: re.Pattern[str] | str) -> frozenset[str] | None:
    """Words of which every match of `pattern` contains at least one, or None when the pattern
    guarantees none (then nothing may be refused on its account)."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    if flags & re.IGNORECASE:
        return None  # cased words would need every case: not worth it for Chinese patterns
    return _sequence_words(list(sre_parse.parse(source, flags)))


def _sequence_words(items: list) -> frozenset[str] | None:
    """For a sequence of regex items: the most selective of the word sets it guarantees."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            options.append(frozenset({"".join(run)}))
            run.clear()

    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        if op is sre.AT:
            continue  # zero-width (^, $, \b): the characters either side are still adjacent
        if op is sre.BRANCH and run:
            # 行政(?:复议|诉讼), as the regex parser factors 行政复议|行政诉讼: the run goes on
            # into each alternative's leading characters.
            leads = [_leading_run(list(alt)) for alt in arg[1]]
            if all(leads):
                options.append(frozenset("".join(run) + lead for lead in leads))
        close_run()
        inner: frozenset[str] | None = None
        if op is sre.SUBPATTERN:
            inner = _sequence_words(list(arg[-1]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            inner = _sequence_words(list(arg[2]))
        elif op is sre.BRANCH:
            alternatives = [_sequence_words(list(alt)) for alt in arg[1]]
            if all(a is not None for a in alternatives):
                inner = frozenset().union(*alternatives)
        if inner is not None:
            options.append(inner)
    close_run()
    if not options:
        return None
    # The set whose shortest word is longest: the fewest pages pass by chance.
    return max(options, key=lambda words: (min(len(w) for w in words), -len(words)))


def _leading_run(items: list) -> str:
    run = []
    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
        elif op is not sre.AT:
            break
    return "".join(run)


def _words_of(patterns: list[re.Pattern[str]]) -> frozenset[str] | None:
    found = [required_words(p) for p in patterns]
    return None if any(w is None for w in found) else frozenset().union(*found)


# (A): the words a table heading needs; (B): 信息公开, and each section's words.
TABLE_WORDS = _words_of([pattern for name, pattern in labels._TABLE_MARKERS if name != "none"])
REPORT_WORDS = required_words(_REPORT_WORDS)
SECTION_WORDS = {key: required_words(pattern) for key, pattern in labels._SECTION_KEYWORDS}
# False when a parser pattern guarantees no word: the gate then passes everything (a test fails).
ACTIVE = TABLE_WORDS is not None and REPORT_WORDS is not None and all(
    w is not None for w in SECTION_WORDS.values())
if not ACTIVE:
    log.warning("the report gate is off: a parser pattern guarantees no word (%s, %s, %s)",
                TABLE_WORDS, REPORT_WORDS, SECTION_WORDS)

# Between two characters of a word the parser may see nothing of: whitespace and quotes (what
# `labels.normalize_label` removes; ＂＇﹁﹂﹃﹄｢｣ become quotes under its NFKC), a comment, a tag,
# or a whole element the parser drops with its content (script, style, noscript, template). The
# alternatives never start at the same place, and no word holds '<', whitespace or a quote, so
# the separators are taken possessively: a search is linear, whatever the markup.
_DROPPED = "script|style|noscript|template"
_SEPARATOR = (
    "(?:[\\s\"'“”‘’「」『』＂＇﹁﹂﹃﹄｢｣]"
    "|<!--.*?-->"
    f"|(?>(?i:<(?:{_DROPPED})\\b[^>]*>.*?</(?:{_DROPPED})\\s*>))"
    f"|<(?!!--)(?!(?i:(?:{_DROPPED})\\b))[A-Za-z/!?][^>]*>"
    ")*+"
)
# trafilatura (the main text the narrative is read from) also removes these elements with their
# content, so their two sides can join; a page refused is searched again without them. Void
# elements (input, link, ...) have no content, and their tags are separators already.
_VOID = {"area", "base", "br", "col", "embed", "frame", "hr", "img", "input", "link", "menuitem", "meta",
         "param", "source", "track", "use", "wbr"}
_CLEANED = re.compile(
    f"<({'|'.join(sorted(set(MANUALLY_CLEANED) - _VOID))})\\b[^>]*>.*?</\\1\\s*>", re.I | re.S)


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(_SEPARATOR.join(re.escape(c) for c in word), re.S)


def _patterns(words: frozenset[str] | None) -> tuple[re.Pattern[str], ...]:
    return tuple(_word_pattern(w) for w in sorted(words or ()))


_TABLE_PATTERNS = _patterns(TABLE_WORDS)
_REPORT_PATTERNS = _patterns(REPORT_WORDS)
_SECTION_PATTERNS = tuple(_patterns(words) for words in SECTION_WORDS.values())

# Characters NFKC turns into a character of the words (Kangxi radicals, 〸, kanbun, enclosed
# and compatibility ideographs: 26 with today's words), looked for in the blocks that hold them
# all (tests/parsing/test_gate.py checks every code point); the text is NFKC-normalised first
# only when it holds one (normalising a 10 KB page full of full-width punctuation took 0.5 ms).
_WORD_CHARACTERS = frozenset("".join(
    [*(TABLE_WORDS or ()), *(REPORT_WORDS or ()), *(w for ws in SECTION_WORDS.values() for w in ws or ())]))
NFKC_BLOCKS = ((0x2E80, 0x2FDF), (0x3000, 0x33FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
               (0x1F200, 0x1F2FF), (0x2F800, 0x2FA1F))
NFKC_INTO_WORDS = tuple(sorted(
    chr(cp) for first, last in NFKC_BLOCKS for cp in range(first, last + 1)
    if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    and _WORD_CHARACTERS & set(unicodedata.normalize("NFKC", chr(cp)))))


def _readable(text: str) -> str:
    """`text` with character references resolved, NFKC-normalised where it matters."""
    if "&" in text:
        text = html.unescape(text)
    if not unicodedata.is_normalized("NFKC", text) and any(c in text for c in NFKC_INTO_WORDS):
        text = unicodedata.normalize("NFKC", text)
    return text


def refusal(text: str) -> str | None:
    """Why `text` (a decoded HTML or text payload) cannot be a report the parser would accept,
    or None when it may be one."""
    if not ACTIVE:
        return None
    text = _readable(text)
    reason = _refusal(text)
    if reason is not None and _CLEANED.search(text):
        reason = _refusal(_CLEANED.sub("", text))
    return reason


def _refusal(text: str) -> str | None:
    if any(p.search(text) for p in _TABLE_PATTERNS):
        return None
    if not any(p.search(text) for p in _REPORT_PATTERNS):
        return ("no disclosure tables and no mention of 信息公开 (seen before parsing: "
                "none of the form's table headings in the page)")
    sections = 0
    for patterns in _SECTION_PATTERNS:
        sections += any(p.search(text) for p in patterns)
        if sections >= NARRATIVE_SECTIONS:
            return None
    return (f"no disclosure tables, and not a narrative report (seen before parsing: no table "
            f"heading, the words of {sections} of the {NARRATIVE_SECTIONS} sections a report "
            "without tables needs)")


# A page titled as a notice or a sector report goes to the parser, whose refusal says so ("a
# notice (...)"): the gate's would only say that no tables were found. Its title is looked for
# where the parser finds one most often: <title>, <h1>, <h2>, og:title, or a text's first lines.
_TITLED = re.compile(r"<(title|h1|h2)\b[^>]*>(.*?)</\1\s*>|<meta[^>]+content=[\"']([^\"']*)", re.I | re.S)
_NOTICE_WORDS = re.compile(NOTICE_WORDS)  # the parser's own notice titles' words


def _titled_as_not_a_report(text: str) -> bool:
    if "<" in text[:4096]:
        titles = [m.group(2) or m.group(3) or "" for m in _TITLED.finditer(text, 0, 65536)]
    else:
        titles = [line for line in text[:4096].splitlines() if line.strip()][:5]
    return any(_NOTICE_WORDS.search(t) or _SECTOR.search(t) for t in titles)


def gate(body: bytes, content_type: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> NotAReportError | None:
    """The `NotAReportError` the parser would raise anyway for this payload, found cheaply; None
    when the payload may be a report (or is one the parser refuses for reasons of its own:
    it says why)."""
    if not ACTIVE or not body or len(body) > limits.max_bytes or body.isspace():
        return None
    try:
        kind = sniff(body)
        if kind not in (PayloadType.HTML, PayloadType.TEXT):
            return None
        check_text_bytes(body, limits, html=kind is PayloadType.HTML)
    except ParseError:
        return None  # refused by the parser's own checks, with its own message
    try:
        text, _ = decode_bytes(body, content_type)
        reason = refusal(text) if text and not text.isspace() else None  # empty: the parser says so
        if reason is not None and _titled_as_not_a_report(text):
            reason = None
    except Exception:  # noqa: BLE001 - the gate only saves time: on its own bug the parser decides
        log.exception("the report gate failed on a %d-byte payload; it goes to the parser", len(body))
        return None
    return NotAReportError(reason) if reason is not None else None
