"""The web UI's interface language: Chinese by default (the public reads Chinese), English on request.

Owns the choice of language per request, the gettext catalogues of the interface (Babel; GNU
gettext `.po` files under `translations/`), the words shown for the closed sets (monitor statuses,
finding kinds, crawl outcomes, agency kinds) and locale formatting of the dates and numbers pages
show.

Message ids are the English interface text; `translations/zh/LC_MESSAGES/messages.po` says them in
Chinese. The official form's own words (its labels and sections: parsing/fields.py,
nianbao/web/form.py) are Chinese in both languages. Nothing here touches JSON keys, CSV headers or
the API's messages.

The language of a request, the first that applies: `?lang=zh|en` (then remembered in a cookie,
so the page's links need not carry it and permalinks stay language-free), that cookie, the
browser's Accept-Language, else the app's default.

The `.po` files are the catalogues: each is compiled in memory once per process (Babel's own
`.po` reader and `.mo` writer, a few ms), so there is no compiled `.mo` to go stale in the
checkout or be forgotten in the wheel. `scripts/i18n.sh` extracts the messages and updates them.

Cost per request (the server aims at a 100 ms p95): the choice is a dict lookup or two (an
Accept-Language header's answer is remembered), a template's gettext is an attribute read and a
dict lookup, formatted dates are remembered. flask-babel was measured at 20 µs per gettext call
(it resolves the locale again on every call), so it is not used.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, Response, current_app, g, request
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from storage.vocab import AgencyKind, CrawlOutcome

from ..monitoring.report import ALL_REGIONS
from ..monitoring.words import FindingKind, MonitorStatus

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
PARAM = "lang"  # ?lang=zh|en
COOKIE = "nianbao_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
EXTENSION = "nianbao.i18n"  # app.extensions[EXTENSION]: the request's language (install's `current`)
CONTEXT_KEY = "_nianbao_speaking"  # a page's template context: its language's Speaking


@dataclass(frozen=True)
class Language:
    code: str  # ?lang= and the cookie's value; the catalogue's folder
    html: str  # <html lang>, hreflang
    name: str  # in its own words: the switch link's text
    locale: Locale  # CLDR data for dates and numbers


LANGUAGES = {
    "zh": Language("zh", "zh-CN", "中文", Locale.parse("zh_Hans_CN")),
    "en": Language("en", "en", "English", Locale.parse("en")),
}
DEFAULT_LANGUAGE = "zh"


def N_(message: str) -> str:
    """Marks a message for extraction (pybabel's default keywords) where it is translated later."""
    return message


# The closed sets' words, by set and value (the values stay in URLs, CSS classes, JSON and CSV).
# English words are the values with spaces, as the pages always showed them.
WORDS: dict[str, dict[str, str]] = {
    "status": {
        MonitorStatus.ON_TIME: N_("on time"), MonitorStatus.LATE: N_("late"), MonitorStatus.MISSING: N_("missing"),
        MonitorStatus.UNREACHABLE: N_("unreachable"), MonitorStatus.NOT_DUE: N_("not due"),
        MonitorStatus.UNDATED: N_("undated"),
    },
    "finding": {
        FindingKind.INVALID: N_("invalid"), FindingKind.CHANGED: N_("changed"), FindingKind.REMOVED: N_("removed"),
        FindingKind.RESTORED: N_("restored"), FindingKind.CARRYOVER_MISMATCH: N_("carryover mismatch"),
        FindingKind.COPIED: N_("copied"),
    },
    "outcome": {
        CrawlOutcome.REACHED: N_("reached"), CrawlOutcome.REACHED_BROWSER: N_("reached (browser)"),
        CrawlOutcome.BLOCKED: N_("blocked"), CrawlOutcome.UNREACHABLE: N_("unreachable"),
        CrawlOutcome.FAILED: N_("failed"), CrawlOutcome.ROBOTS: N_("robots"), CrawlOutcome.MOVED: N_("moved"),
        CrawlOutcome.SCRIPT_ONLY: N_("script only"),
    },
    "checks": {"failed": N_("failed"), "ok": N_("ok")},  # the search's facet (storage.search)
    "kind": {AgencyKind.DEPARTMENT: N_("department"), AgencyKind.GOVERNMENT: N_("government")},
    "region": {ALL_REGIONS: N_("(all regions)")},  # the monitor summary's row over every region
    # nianbao.evidence.EVIDENCE_LABELS, by its English text (a test keeps the two alike)
    "evidence": {label: label for label in (
        N_("the diff"), N_("the archived version and its failed checks"), N_("the last capture"),
        N_("the report"))},
}


def _compiled(po: Path) -> Translations:
    """A `.po` file as gettext translations: read and compiled in memory, fuzzy entries left out,
    as `pybabel compile` leaves them out of a `.mo`."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@functools.cache
def catalogues() -> dict[str, NullTranslations]:
    """Every language's translations, read once per process. English is the message ids."""
    found: dict[str, NullTranslations] = {"en": NullTranslations()}
    for code in LANGUAGES:
        po = TRANSLATIONS / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            found[code] = _compiled(po)
    missing = set(LANGUAGES) - set(found)
    if missing:
        raise FileNotFoundError(f"no catalogue for {', '.join(sorted(missing))} under {TRANSLATIONS}")
    return found


@dataclass(frozen=True)
class Speaking:
    """One language's bound pieces, built once per app: what a request in it uses."""

    language: Language
    gettext: Any
    ngettext: Any
    words: dict[str, dict[str, str]]
    group_sign: str  # CLDR's thousands separator
    decimal_sign: str
    percent_sign: str
    trusted: dict[str, Markup] = field(default_factory=dict)  # a message's translation as markup, once made

    def markup(self, message: str) -> Markup:
        """The translation of a template's message as trusted markup (the catalogue is ours),
        remembered: templates ask the same few hundred messages on every page."""
        found = self.trusted.get(message)
        if found is None:
            found = self.trusted[message] = Markup(self.gettext(message))
        return found


def _speaking(language: Language, translations: NullTranslations) -> Speaking:
    symbols = language.locale.number_symbols.get("latn") or language.locale.number_symbols
    return Speaking(language, translations.gettext, translations.ngettext,
                    {group: {value: translations.gettext(word) for value, word in words.items()}
                     for group, words in WORDS.items()},
                    symbols["group"], symbols["decimal"], symbols["percentSign"])


@functools.lru_cache(maxsize=512)
def from_accept_language(header: str) -> str | None:
    """The supported language a browser's Accept-Language prefers (zh-CN, zh-TW -> zh), if any."""
    if not header:
        return None
    return parse_accept_header(header, LanguageAccept).best_match(tuple(LANGUAGES))


def choose(asked: str | None, remembered: str | None, accept_language: str, default: str) -> str:
    """The language of a request: asked (?lang=), remembered (the cookie), the browser's, the default."""
    for code in (asked, remembered):
        if code in LANGUAGES:
            return code
    return from_accept_language(accept_language) or default


@functools.lru_cache(maxsize=8192)
def date_html(value: str, code: str) -> Markup:
    """An ISO date (or the date of an ISO timestamp) as the language writes it, in <time datetime>;
    remembered: a monitor page shows thousands of dates, mostly the same few deadlines."""
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return Markup("{}").format(value)
    text = format_date(day, "medium", locale=LANGUAGES[code].locale)
    return Markup('<time datetime="{}">{}</time>').format(day.isoformat(), text)


def install(app: Flask, default_language: str = DEFAULT_LANGUAGE) -> None:
    """Give `app` its interface language: jinja2.ext.i18n's `_`/`gettext`/`ngettext` and
    `{% trans %}`, the words and formatting filters, the switch links, the cookie."""
    if default_language not in LANGUAGES:
        raise ValueError(f"default_language={default_language!r}: expected {' or '.join(LANGUAGES)}")
    speaking = {code: _speaking(language, catalogues()[code]) for code, language in LANGUAGES.items()}

    def current() -> Speaking:
        """This request's language, chosen on first use (an API answer never chooses one)."""
        try:
            return g.nianbao_speaking
        except AttributeError:
            code = choose(request.args.get(PARAM), request.cookies.get(COOKIE),
                          request.headers.get("Accept-Language", ""), default_language)
            g.nianbao_speaking = speaking[code]
            return g.nianbao_speaking

    app.extensions[EXTENSION] = current

    @app.context_processor
    def speaking_context() -> dict[str, Speaking]:
        return {CONTEXT_KEY: current()}  # once per page: its filters and messages read it from there

    def here(context: Any) -> Speaking:
        """The page's language from its template context (a dict lookup), else the request's (an
        imported macro has no page context)."""
        found = context.get(CONTEXT_KEY)
        return found if found is not None else current()

    # As jinja2.ext.i18n's "newstyle" gettext: the catalogue's text is trusted markup and the
    # variables are escaped into it. Jinja's own wrappers reach the catalogue through three context
    # calls per message (26 us each, measured); these take one. A message without variables is not
    # %-formatted (so it holds no %: tests/web/test_i18n.py).
    @pass_context
    def gettext(context: Any, message: str, **variables: Any) -> Markup:
        text = here(context).markup(message)
        return text % variables if variables else text

    @pass_context
    def ngettext(context: Any, singular: str, plural: str, n: int, **variables: Any) -> Markup:
        variables.setdefault("num", n)
        return Markup(here(context).ngettext(singular, plural, n)) % variables

    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)

    # Filters take the context (pass_context), which also keeps Jinja from folding one over a
    # constant at compile time in whichever language first compiled the template.
    @pass_context
    def word(context: Any, value: Any, group: str) -> str:
        """A closed set's value in the page's language (an unknown value as written, _ as a space)."""
        if value is None:
            return ""
        text = str(value)
        return here(context).words[group].get(text) or text.replace("_", " ")

    @pass_context
    def date_text(context: Any, value: Any) -> Markup | str:
        """A date as the page's language writes it, in <time datetime> (its ISO form for machines)."""
        if not value:
            return ""
        return date_html(value if isinstance(value, str) else value.isoformat(), here(context).language.code)

    @pass_context
    def number(context: Any, value: Any) -> str:
        """A whole number grouped as the language groups digits (CLDR's separator)."""
        if type(value) is int and -1000 < value < 1000:  # no group to mark (a monitor page has thousands)
            return str(value)
        if value is None or isinstance(value, bool):
            return "" if value is None else str(value)
        return f"{int(value):,}".replace(",", here(context).group_sign)

    @pass_context
    def percent(context: Any, ratio: Any, places: int = 1) -> str:
        """A ratio (0.833) as a percentage (83.3%) in the language's signs."""
        if ratio is None:
            return ""
        signs = here(context)
        text = f"{ratio * 100:,.{places}f}".replace(",", "\0").replace(".", signs.decimal_sign)
        return text.replace("\0", signs.group_sign) + signs.percent_sign

    def switch_url(code: str) -> str:
        """This very page (its query kept) in another language."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != PARAM] + [(PARAM, code)]
        return request.script_root + request.path + "?" + urlencode(args)

    app.jinja_env.filters.update(word=word, date_text=date_text, number=number, percent=percent)
    app.jinja_env.globals.update(ui_language=pass_context(lambda context: here(context).language), LANGUAGES=LANGUAGES, switch_url=switch_url)

    @app.after_request
    def remember_language(response: Response) -> Response:
        asked = request.args.get(PARAM)
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, path=request.script_root or "/",
                                samesite="Lax", httponly=True)
        if "nianbao_speaking" in g:  # the page was written in a chosen language: caches must tell
            response.vary.update(("Accept-Language", "Cookie"))
        return response


def gettext(message: str) -> str:
    """`message` in the current request's language, for Python code that builds page text
    (nianbao.web.numbers' chart titles); mark the literal with N_ or call this with it."""
    return current_app.extensions[EXTENSION]().gettext(message)


__all__ = ["COOKIE", "DEFAULT_LANGUAGE", "LANGUAGES", "Language", "N_", "PARAM", "WORDS", "catalogues", "choose",
           "from_accept_language", "gettext", "install"]
