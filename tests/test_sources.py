"""feeds.sources: the admin's sources file is validated with messages that say what to fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from feeds.errors import ConfigError
from feeds.models import ArticleSelectors, Language, ListingSelectors
from feeds.config import load_sources, parse_sources

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """
[[sources]]
id = "tin-tuc"
name = "Tin tức"
url = "https://example.vn/tin-tuc/"

[sources.listing]
item = ".news-item"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def source_data(**overrides: object) -> dict:
    data: dict = {
        "id": "vncpc-vi",
        "name": "VNCPC – Tin tức",
        "url": "https://vncpc.org/tin-tuc/",
        "listing": {"item": ".news-item"},
    }
    data.update(overrides)
    return data


def error_for(*sources: dict, where: str = "config/sources.toml") -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_sources({"sources": list(sources)}, where=where)
    return info.value


# --------------------------------------------------------------------------- valid files


def test_shipped_defaults_load_with_both_vncpc_sources():
    sources = load_sources(REPO / "config" / "sources.toml")
    by_id = {s.id: s for s in sources}
    assert set(by_id) == {"vncpc-vi", "vncpc-en"}
    assert by_id["vncpc-vi"].language is Language.VI
    assert by_id["vncpc-en"].language is Language.EN
    for source in sources:
        assert source.url.startswith("https://vncpc.org/")
        assert source.listing.item and source.listing.next_page
        assert source.article.body and ".sharedaddy" in source.article.remove
        assert source.tz.key == "Asia/Ho_Chi_Minh"


def test_minimal_source_gets_documented_defaults(tmp_path):
    (source,) = load_sources(write(tmp_path, MINIMAL))
    assert source.id == "tin-tuc"
    assert source.listing == ListingSelectors(item=".news-item", link="a")
    assert source.article == ArticleSelectors()
    assert source.language is Language.VI
    assert source.timezone == "Asia/Ho_Chi_Minh"
    assert (source.interval_minutes, source.max_pages, source.enabled) == (30, 3, True)
    assert source.allowed_hosts == ()


def test_file_saved_with_a_byte_order_mark_loads(tmp_path):
    # Windows Notepad saves "UTF-8" with a BOM; tomllib alone calls that an invalid statement.
    path = tmp_path / "sources.toml"
    path.write_text(textwrap.dedent(MINIMAL), encoding="utf-8-sig")
    (source,) = load_sources(path)
    assert source.id == "tin-tuc"


def test_every_key_is_read(tmp_path):
    text = MINIMAL + """
    [sources.article]
    title = "h1"
    date = ".date"
    body = ".content"
    author = ".author"
    category = ".cat a"
    remove = ["script", ".share"]
    """
    text = text.replace(
        'url = "https://example.vn/tin-tuc/"',
        'url = "https://example.vn/tin-tuc/"\nlanguage = "en"\ntimezone = "Europe/London"\n'
        'interval_minutes = 5\nmax_pages = 50\nenabled = false\n'
        'allowed_hosts = ["WWW.Example.vn"]',
    ).replace('item = ".news-item"', 'item = ".news-item"\nlink = "h3 a"\ntitle = "h3"\n'
              'date = ".date"\nnext_page = "a.next"')
    (s,) = load_sources(write(tmp_path, text))
    assert (s.language, s.timezone, s.interval_minutes, s.max_pages, s.enabled) == (
        Language.EN, "Europe/London", 5, 50, False)
    assert s.allowed_hosts == ("www.example.vn",)
    assert s.listing == ListingSelectors(".news-item", "h3 a", "h3", ".date", "a.next")
    assert s.article == ArticleSelectors("h1", ".date", ".content", ".author", ".cat a",
                                         ("script", ".share"))


def test_name_is_normalised_to_nfc():
    decomposed = "Tin t\u01b0\u0301c"  # "ứ" as "ư" + combining acute
    (source,) = parse_sources({"sources": [source_data(name=decomposed)]}, where="x.toml")
    assert source.name == "Tin tức"


# --------------------------------------------------------------------------- errors


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, MINIMAL + 'max_pages = \n')
    bad_line = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert info.value.where == str(path)
    assert f"line {bad_line}," in str(info.value) and "TOML" in str(info.value)


def test_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="FEEDBOT_SOURCES"):
        load_sources(tmp_path / "nope.toml")


def test_unknown_key_names_source_and_key_and_suggests():
    err = error_for(source_data(intervall_minutes=10))
    assert err.where == "config/sources.toml: source 'vncpc-vi': key 'intervall_minutes'"
    assert "did you mean 'interval_minutes'" in str(err)


def test_unknown_keys_in_listing_article_and_top_level():
    data = {"sources": [source_data(listing={"item": "li", "itme": "li"},
                                    article={"bodyy": ".c"})], "extra": 1}
    with pytest.raises(ConfigError) as info:
        parse_sources(data, where="s.toml")
    text = str(info.value)
    assert "s.toml: key 'extra': unknown key" in text
    assert "s.toml: source 'vncpc-vi': key 'listing.itme': unknown key" in text
    assert "s.toml: source 'vncpc-vi': key 'article.bodyy': unknown key; did you mean 'body'" in (
        text
    )


def test_a_source_key_written_below_its_listing_table_says_where_it_goes():
    err = error_for(source_data(listing={"item": "li", "max_pages": 3}))
    assert err.where == "config/sources.toml: source 'vncpc-vi': key 'listing.max_pages'"
    assert "move it above the [sources.listing] line" in str(err)


@pytest.mark.parametrize("missing", ["id", "name", "url", "listing"])
def test_missing_required_key(missing):
    data = source_data()
    del data[missing]
    err = error_for(data)
    assert f"key '{missing}': missing; this key is required" in str(err)


def test_missing_id_is_located_by_position():
    data = source_data()
    del data["id"]
    err = error_for(source_data(id="first"), data)
    assert err.where == "config/sources.toml: source #2: key 'id'"


def test_missing_listing_item():
    err = error_for(source_data(listing={"link": "a"}))
    assert err.where == "config/sources.toml: source 'vncpc-vi': key 'listing.item'"
    assert "required" in str(err)


@pytest.mark.parametrize("bad_id", ["VNCPC", "vncpc_vi", "tin tức", "a/b"])
def test_bad_id(bad_id):
    err = error_for(source_data(id=bad_id))
    assert err.where.endswith("key 'id'") and "lower-case letters, digits and '-'" in str(err)


def test_duplicate_ids_name_both_positions():
    err = error_for(source_data(), source_data(url="https://vncpc.org/en/"))
    assert "source 'vncpc-vi': key 'id': duplicate id: sources #1 and #2" in str(err)


@pytest.mark.parametrize(
    "url", ["ftp://vncpc.org/", "vncpc.org/tin-tuc", "https://", "https://vncpc.org:99999/",
            "http://vn cpc.org/", "javascript:alert(1)"],
)
def test_bad_url(url):
    err = error_for(source_data(url=url))
    assert err.where.endswith("source 'vncpc-vi': key 'url'")
    assert repr(url) in str(err)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("language", "fr", 'use "vi" or "en"'),
        ("timezone", "Asia/Hanoi_City", "not an IANA time zone"),
        ("timezone", "../etc/passwd", "not an IANA time zone"),
        ("timezone", "Asia", "not an IANA time zone"),  # a folder of the zone database
        ("timezone", "x" * 300, "not an IANA time zone"),  # a file name too long for the OS
        ("interval_minutes", 0, "between 1 and 10080"),
        ("max_pages", 0, "between 1 and 50"),
        ("max_pages", 51, "between 1 and 50"),
        ("max_pages", True, "expected an integer, got a boolean"),
        ("interval_minutes", 30.5, "expected an integer, got a float"),
        ("interval_minutes", "30", "expected an integer, got a string"),
        ("enabled", "yes", "expected a boolean, got a string"),
        ("enabled", 1, "expected a boolean, got an integer"),
        ("name", "  ", "is empty"),
        ("allowed_hosts", "www.vncpc.org", "expected an array"),
        ("listing", ".news", "expected a table"),
    ],
)
def test_bad_values(key, value, expected):
    err = error_for(source_data(**{key: value}))
    assert err.where == f"config/sources.toml: source 'vncpc-vi': key '{key}'"
    assert expected in str(err)


@pytest.mark.parametrize("host", ["https://www.vncpc.org", "vncpc.org/en", "vncpc.org:443", ""])
def test_bad_allowed_host(host):
    err = error_for(source_data(allowed_hosts=["ok.vncpc.org", host]))
    assert "key 'allowed_hosts[1]'" in err.where


@pytest.mark.parametrize(
    ("table", "key", "selector"),
    [
        ("listing", "item", "div["),
        ("listing", "link", "a:nth-child("),
        ("listing", "next_page", "a::after"),
        ("article", "body", ".content >"),
        ("article", "date", ""),
    ],
)
def test_selectors_that_do_not_compile(table, key, selector):
    tables = {"listing": {"item": ".news-item"}, "article": {}}
    tables[table][key] = selector
    err = error_for(source_data(**tables))
    assert err.where == f"config/sources.toml: source 'vncpc-vi': key '{table}.{key}'"
    assert "CSS selector" in str(err) or "is empty" in str(err)


def test_remove_list_checks_each_selector():
    err = error_for(source_data(article={"remove": ["script", "div[", 3]}))
    text = str(err)
    assert "key 'article.remove[1]': 'div[' is not a valid CSS selector" in text
    assert "key 'article.remove[2]': expected a string, got an integer" in text


def test_all_problems_are_reported_together_one_per_line():
    err = error_for(
        source_data(id="Bad_Id", max_pages=0),
        source_data(id="ok", url="ftp://x", listing={"item": "a["}),
    )
    lines = str(err).splitlines()
    assert len(lines) == 4
    assert all(line.startswith("config/sources.toml: source ") for line in lines)
    assert len(err.problems) == 4


def test_sources_must_be_an_array_of_tables():
    with pytest.raises(ConfigError, match=r"\[\[sources\]\]"):
        parse_sources({"sources": {"id": "x"}}, where="s.toml")
    with pytest.raises(ConfigError, match="add at least one source"):
        parse_sources({}, where="s.toml")


def test_errors_from_a_file_name_the_file(tmp_path):
    path = write(tmp_path, MINIMAL.replace('".news-item"', '".news-item["'))
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert info.value.where == f"{path}: source 'tin-tuc': key 'listing.item'"
