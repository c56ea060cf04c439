"""The web UI's interface language (nianbao.web.i18n): Chinese by default, English by ?lang=en, a
cookie or the browser's Accept-Language; the switch link; the form's own words Chinese in both; JSON
and CSV the same in both; the zh catalogue complete and in step with the sources."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from lxml import html as lxml_html

from nianbao.evidence import EVIDENCE_LABELS
from nianbao.monitoring.words import FindingKind, MonitorStatus
from nianbao.web import i18n
from nianbao.web.app import create_app
from storage.clock import fixed_clock
from storage.vocab import AgencyKind, CrawlOutcome

WEB = Path(i18n.__file__).parent
ZH_PO = WEB / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def doc(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


@pytest.fixture
def zh_client(built_archive):
    """The app as a server starts it: no default language given (Chinese); a client of its own
    (a test that asks ?lang=en leaves the cookie in its client)."""
    return create_app(built_archive[0]).test_client()


@pytest.fixture
def monitored_zh(built_archive, tmp_path, write_web_registry):
    app = create_app(built_archive[0], registry=write_web_registry(tmp_path),
                     clock=fixed_clock(dt.datetime(2022, 4, 15, 4, tzinfo=dt.UTC)))
    return app.test_client()


def nav_words(page) -> list[str]:
    return [a.text_content().strip() for a in page.xpath("//header[@class='site']/nav[1]/a")]


# -- the choice -------------------------------------------------------------------------------------

def test_i18n_default_is_chinese(zh_client):
    page = doc(zh_client.get("/"))
    assert page.xpath("/html/@lang") == ["zh-CN"]
    assert nav_words(page)[:3] == ["检索", "数字", "监测"]
    assert page.xpath("//button[@type='submit']/text()") == ["检索"]


def test_i18n_lang_en_gives_english_and_a_cookie_remembers_it(built_archive):
    client = create_app(built_archive[0]).test_client()
    response = client.get("/?lang=en")
    page = doc(response)
    assert page.xpath("/html/@lang") == ["en"]
    assert nav_words(page)[:3] == ["Search", "Numbers", "Monitoring"]
    assert f"{i18n.COOKIE}=en" in response.headers["Set-Cookie"]
    assert "Accept-Language" in response.headers["Vary"]
    later = doc(client.get("/monitor"))  # no ?lang=: the cookie speaks
    assert later.xpath("/html/@lang") == ["en"] and later.xpath("//h1/text()") == ["Monitoring"]
    back = doc(client.get("/monitor?lang=zh"))
    assert back.xpath("/html/@lang") == ["zh-CN"] and back.xpath("//h1/text()") == ["监测"]


@pytest.mark.parametrize(("header", "default", "expected"), [
    ("en-US,en;q=0.9", "zh", "en"),
    ("en-GB", "zh", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "en", "zh-CN"),
    ("zh-TW", "en", "zh-CN"),
    ("fr-FR,de;q=0.8", "zh", "zh-CN"),  # nothing it offers: the default
    ("fr-FR,de;q=0.8", "en", "en"),
])
def test_i18n_accept_language_picks_the_language(built_archive, header, default, expected):
    client = create_app(built_archive[0], default_language=default).test_client()
    page = doc(client.get("/monitor", headers={"Accept-Language": header}))
    assert page.xpath("/html/@lang") == [expected]


def test_i18n_the_asked_language_wins_over_cookie_and_browser():
    assert i18n.choose("en", "zh", "zh-CN", "zh") == "en"
    assert i18n.choose(None, "en", "zh-CN", "zh") == "en"
    assert i18n.choose("klingon", None, "en", "zh") == "en"  # an unknown ?lang= is ignored
    assert i18n.choose(None, "klingon", "", "zh") == "zh"


def test_i18n_an_unknown_default_language_is_refused(built_archive):
    with pytest.raises(ValueError, match="default_language"):
        create_app(built_archive[0], default_language="fr")


# -- the switch link ---------------------------------------------------------------------------------

def test_i18n_switch_link_keeps_the_page_and_its_query(zh_client):
    page = doc(zh_client.get("/?q=政府&format=2019&per_page=3"))
    (link,) = page.xpath("//nav[@id='language-switch']/a[@data-lang='en']")
    href = link.get("href")
    assert href.startswith("/?") and "q=%E6%94%BF%E5%BA%9C" in href and "format=2019" in href and "per_page=3" in href
    assert link.get("hreflang") == "en" and link.text_content() == "English"
    assert page.xpath("//nav[@id='language-switch']/span[@aria-current]/text()") == ["中文"]
    english = doc(zh_client.get(href))
    assert english.xpath("/html/@lang") == ["en"]
    assert english.get_element_by_id("total").text == page.get_element_by_id("total").text
    (back,) = english.xpath("//nav[@id='language-switch']/a[@data-lang='zh']")
    assert back.get("href").count("lang=") == 1 and "lang=zh" in back.get("href")  # not lang=en&lang=zh


def test_i18n_every_page_has_the_switch_and_the_html_lang(zh_client, built):
    for path in ("/", f"/reports/{built.edited}", f"/reports/{built.edited}/diff", f"/captures/{built.pdf_capture}",
                 "/monitor", "/numbers", "/reports/424242"):
        page = doc(zh_client.get(path))
        assert page.xpath("/html/@lang") == ["zh-CN"], path
        assert page.xpath("//nav[@id='language-switch']/a[@data-lang='en']/@href"), path


# -- what is translated and what is not ---------------------------------------------------------------

ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
# Words a Chinese page may hold in Latin letters: names of formats, protocols and nianbao itself.
LATIN_KEPT = {"nianbao", "JSON", "CSV", "API", "sha", "URL", "HTTP", "PDF", "HTML", "robots", "txt",
              "English"}  # the switch link names each language in its own words


@pytest.mark.parametrize("path", ["/", "/?q=政府", "/reports/{edited}", "/reports/{edited}/diff", "/captures/{pdf_capture}",
                                  "/agencies/{agency}", "/monitor", "/monitor/2021", "/numbers",
                                  "/numbers?field=rate:refused&by=agency", "/reports/424242"])
def test_i18n_the_chinese_interface_has_no_english_left(monitored_zh, built, web_agencies, path):
    """The chrome a Chinese reader sees (headings, labels, buttons, table heads, notes) holds no
    English word: one left untranslated, or a string not wrapped for translation, fails here."""
    url = path.format(edited=built.edited, pdf_capture=built.pdf_capture, agency=web_agencies.edited)
    page = doc(monitored_zh.get(url))
    chrome = page.xpath("//h1 | //h2 | //h3[not(ancestor::section[@id='reports'])] | //label | //button | //th"
                        " | //dt | //summary | //legend | //p[not(@class='cite' or @class='problem')] | //nav | //footer | //option"
                        " | //span[contains(@class, 'status')] | //span[contains(@class, 'badge')]"
                        " | //section[@id='compliance']//*[local-name()='text']")
    found = set()
    for element in chrome:
        # what comes from the archive or the user, not the interface: values, codes, URLs, report text
        for skip in element.xpath(".//code | .//q | .//a[contains(@class, 'agency')] | .//*[@class='url']"
                                  " | .//*[@class='problem'] | .//input | .//*[@id='field-select']"):
            skip.drop_tree()
        # The numbers page's measures (storage.rates' labels) and its table's heads are the words of
        # the CSV, the JSON and `nianbao stats` (bilingual there by design): they do not change.
        if element.xpath("ancestor-or-self::*[@id='numbers-table' or @id='measure' or @id='field-select']"):
            continue
        text = element.text_content()
        found |= {word for word in ASCII_WORD.findall(text) if word not in LATIN_KEPT}
    assert not found, f"{url}: English left in the Chinese interface: {sorted(found)}"


def test_i18n_the_form_keeps_its_chinese_labels_in_english(client, built):
    page = doc(client.get(f"/reports/{built.edited}?lang=en"))
    assert page.xpath("/html/@lang") == ["en"]
    table = page.get_element_by_id("table-applications").text_content()
    assert "申请人情况" in table and "三、本年度办理结果" in table and "（七）总计" in table
    assert page.get_element_by_id("section-overview").xpath("./h2/text()")[0].startswith("一、")
    assert page.xpath("//section[@id='versions']/h2/text()") == ["Versions"]


def test_i18n_monitor_statuses_in_chinese_keep_their_values(monitored_zh):
    page = doc(monitored_zh.get("/monitor/2021"))
    cells = page.xpath("//section[@id='statuses']//tbody/tr/td[@data-year]")  # the agency × year grid
    words = {td.get("class").split()[0].removeprefix("status-"): td.text_content() for td in cells}
    catalogue = i18n.catalogues()["zh"]
    assert words and all(word == catalogue.gettext(i18n.WORDS["status"][status]) for status, word in words.items())
    assert all(status in {s.value for s in MonitorStatus} for status in words)  # classes: the values, untranslated
    assert "未公开" in words.values() or "无法访问" in words.values()  # 宁陵县人民政府 published nothing
    heads = [th.text_content() for th in page.xpath("//section[@id='compliance']//thead//th")]
    assert heads[3:-1] == [catalogue.gettext(i18n.WORDS["status"][s.value]) for s in MonitorStatus]


def test_i18n_dates_are_written_as_the_language_writes_them(monitored_zh, web_agencies):
    zh = doc(monitored_zh.get(f"/agencies/{web_agencies.edited}"))
    en = doc(monitored_zh.get(f"/agencies/{web_agencies.edited}?lang=en"))
    zh_times, en_times = zh.xpath("//section[@id='statuses']//time"), en.xpath("//section[@id='statuses']//time")
    assert zh_times and [t.get("datetime") for t in zh_times] == [t.get("datetime") for t in en_times]
    for zh_time, en_time in zip(zh_times, en_times):
        day = dt.date.fromisoformat(zh_time.get("datetime"))
        assert zh_time.text == f"{day.year}年{day.month}月{day.day}日"
        month = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[day.month - 1]
        assert en_time.text == f"{month} {day.day}, {day.year}"


def test_i18n_numbers_are_grouped_by_the_language(built_archive):
    app = create_app(built_archive[0])
    with app.test_request_context("/?lang=en"):
        shown = app.jinja_env.from_string("{{ 1234567|number }} {{ 0.8333|percent }} [{{ none|number }}]").render()
    assert shown == "1,234,567 83.3% []"


def test_i18n_json_and_csv_do_not_change_with_the_language(zh_client):
    for path in ("/api/search?q=政府&facets=1", "/api/monitor/2021?as_of=2022-04-15", "/api/stats?field=rate:refused"):
        zh, en = zh_client.get(path + "&lang=zh"), zh_client.get(path + "&lang=en")
        assert zh.status_code == en.status_code and zh.get_json() == en.get_json(), path
    zh, en = zh_client.get("/search.csv?q=政府&lang=zh"), zh_client.get("/search.csv?q=政府&lang=en")
    assert zh.data == en.data and zh.data.startswith(b"\xef\xbb\xbf")
    assert "Vary" not in zh_client.get("/api/search?q=政府").headers  # an API answer never chose a language


def test_i18n_error_page_speaks_the_language(zh_client):
    response = zh_client.get("/reports/424242")
    page = doc(response)
    assert response.status_code == 404
    assert page.xpath("//h1/text()") == ["404 · 未找到"] and page.xpath("//main//a/text()") == ["返回检索"]
    english = doc(zh_client.get("/reports/424242?lang=en"))
    assert english.xpath("//h1/text()") == ["404 · Not found"]


# -- the catalogue ----------------------------------------------------------------------------------

def _po():
    with ZH_PO.open("rb") as source:
        return read_po(source)


def _source_messages() -> set:
    with (WEB / "babel.cfg").open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    return {message for _, _, message, _, _ in extract_from_dir(str(WEB), method_map, options_map)}


def test_i18n_the_zh_catalogue_translates_every_message():
    catalog = _po()
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated and not fuzzy, f"untranslated: {untranslated}; fuzzy: {fuzzy}"
    assert len([m for m in catalog if m.id]) > 150


def test_i18n_translations_keep_their_placeholders():
    for message in _po():
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(PLACEHOLDER.findall(ids[-1])) - {"num"}
        if not wanted and "%(num)s" not in ids[0]:  # formatted only when it has variables: no % to escape
            assert "%" not in "".join(ids + strings), message.id
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) - {"num"} == wanted, message.id
            assert sorted(re.findall(r"</?\w+", string)) == sorted(re.findall(r"</?\w+", ids[0])), message.id


def test_i18n_the_catalogue_is_in_step_with_the_sources():
    """Every message the templates and nianbao/web/*.py hold is in the zh catalogue and none it no
    longer has: after a change, `bash scripts/i18n.sh` and translate."""
    in_sources = _source_messages()
    in_catalogue = {m.id if isinstance(m.id, str) else tuple(m.id) for m in _po() if m.id}
    assert in_sources - in_catalogue == set(), "not in the catalogue: run scripts/i18n.sh"
    assert in_catalogue - in_sources == set(), "no longer in the sources: run scripts/i18n.sh"


def test_i18n_every_closed_set_value_has_a_word():
    for group, values in (("status", MonitorStatus), ("finding", FindingKind), ("outcome", CrawlOutcome),
                          ("kind", AgencyKind)):
        assert set(i18n.WORDS[group]) == {v.value for v in values}, group
    assert set(EVIDENCE_LABELS.values()) <= set(i18n.WORDS["evidence"])
    zh = i18n.catalogues()["zh"]
    for group, words in i18n.WORDS.items():
        for word in words.values():
            assert zh.gettext(word) != word, (group, word)
