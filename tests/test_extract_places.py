"""The province gazetteer: coverage, spelling variants, cities, and what must not match."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from importlib import resources

import pytest

from feeds.extract.places import find_places, gazetteer_provinces, province_of


def test_covers_63_provinces_before_and_34_after_the_merger():
    before, after = gazetteer_provinces()
    assert len(set(before)) == 63 and len(set(after)) == 34
    assert {"Hà Nội", "Hồ Chí Minh", "Thừa Thiên Huế", "Bà Rịa - Vũng Tàu", "Khánh Hòa"} <= set(before)
    assert {"Huế", "Hồ Chí Minh", "Phú Thọ", "Ninh Bình"} <= set(after)
    assert "Hà Giang" not in after and "Huế" not in before


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("tại TP.HCM", "Hồ Chí Minh"),
        ("tại Tp.HCM", "Hồ Chí Minh"),
        ("tại TP HCM", "Hồ Chí Minh"),
        ("in HCMC", "Hồ Chí Minh"),
        ("in Ho Chi Minh City", "Hồ Chí Minh"),
        ("ở Sài Gòn", "Hồ Chí Minh"),
        ("thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("Hà Nội", "Hà Nội"),
        ("in Hanoi", "Hà Nội"),
        ("in Ha Noi", "Hà Nội"),
        ("Đà Nẵng", "Đà Nẵng"),
        ("in Da Nang", "Đà Nẵng"),
        ("in Danang", "Đà Nẵng"),
        ("tỉnh Khánh Hoà", "Khánh Hòa"),  # new-style tone placement
        ("tỉnh Khánh Hòa", "Khánh Hòa"),
        ("Khanh Hoa province", "Khánh Hòa"),
        ("tỉnh Thanh Hoá", "Thanh Hóa"),
        ("tỉnh Bà Rịa – Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("tỉnh Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("tỉnh Thừa Thiên Huế", "Thừa Thiên Huế"),
        ("tỉnh Đắc Lắc", "Đắk Lắk"),
        ("TP Nha Trang", "Khánh Hòa"),
        ("Khách sạn Mường Thanh, TP Vinh", "Nghệ An"),
        ("TP Hạ Long", "Quảng Ninh"),
        ("Ha Long City", "Quảng Ninh"),
        ("TP Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Đà Lạt", "Lâm Đồng"),
        ("TP Quy Nhơn", "Bình Định"),
        ("TP Biên Hòa", "Đồng Nai"),
        ("TP Thủ Dầu Một", "Bình Dương"),
        ("TP Buôn Ma Thuột", "Đắk Lắk"),
        ("TP Hải Dương", "Hải Dương"),
        ("TP Việt Trì", "Phú Thọ"),
        ("TP Huế", "Thừa Thiên Huế"),
        ("HÀ NỘI", "Hà Nội"),
        ("Khách sạn Mường Thanh, TP Vinh, Nghệ An", "Nghệ An"),  # the province beats the city
    ],
)
def test_variants(text, province):
    assert province_of(text) == province


def test_decomposed_text_matches():
    assert province_of(unicodedata.normalize("NFD", "tại TP Nha Trang, tỉnh Khánh Hòa")) == "Khánh Hòa"


@pytest.mark.parametrize(
    "text",
    [
        "huyện Vĩnh Bảo",  # "Vĩnh" is not the city "Vinh"
        "vĩnh viễn",
        "hòa bình và hợp tác",  # lower case: the word "peace", not the province
        "Thái Bình Dương",  # the Pacific Ocean
        "tư tưởng Hồ Chí Minh",
        "Chủ tịch Hồ Chí Minh",
        "Việt Nam",
        "",
    ],
)
def test_no_false_places(text):
    assert province_of(text) is None


def test_a_named_province_stays_as_named_but_a_city_follows_the_merger():
    after = dt.date(2025, 8, 1)
    assert province_of("tỉnh Bình Dương", on=after) == "Bình Dương"
    assert province_of("TP Thủ Dầu Một", on=after) == "Hồ Chí Minh"
    assert province_of("TP Huế", on=after) == "Huế"
    assert province_of("TP Huế", on=dt.date(2020, 1, 1)) == "Thừa Thiên Huế"


def test_matches_report_text_as_written_and_offsets():
    text = "tại TP Nha Trang tỉnh Khánh Hoà"
    matches = find_places(text)
    assert [m.text for m in matches] == ["Nha Trang", "Khánh Hoà"]
    assert all(text[m.start : m.end] == m.text for m in matches)


def test_every_gazetteer_name_resolves_to_a_canonical_province():
    raw = json.loads(resources.files("feeds.extract").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))
    before, after = gazetteer_provinces()
    for province in raw["provinces"]:
        if province["pre_2025"]:
            assert province_of(province["name"]) == province["name"]
            assert province["merged_into"] in after
            for variant in province["variants"]:
                assert province_of(variant) == province["name"], variant
    for city in raw["cities"]:
        assert city["province"] in before and city["province_2025"] in after, city
        assert province_of(city["name"]) == city["province"], city["name"]
        assert province_of(city["name"], on=dt.date(2025, 8, 1)) == city["province_2025"], city["name"]


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("phường Tân Định, Thành phố Hồ Chí Minh (trước đây thuộc tỉnh Bình Dương)", "Hồ Chí Minh"),
        ("xã Tân Phú, tỉnh Đồng Nai (trước kia thuộc tỉnh Bình Phước)", "Đồng Nai"),
        ("Vinh Yen ward, Phu Tho province (formerly Vinh Phuc province)", "Phú Thọ"),
        ("tỉnh Tuyên Quang (trước sáp nhập là tỉnh Hà Giang)", "Tuyên Quang"),
    ],
)
def test_a_former_province_in_parentheses_does_not_count(text, province):
    assert province_of(text, on=dt.date(2025, 9, 1)) == province


def test_a_place_name_never_spans_a_comma():
    # "Hòa, Thành" is not the town "Hòa Thành"; "Long, An" is not "Long An"
    assert [m.text for m in find_places("phường Bình Hòa, Thành phố Hồ Chí Minh")] == ["Hồ Chí Minh"]
    assert province_of("xã Phước Long, An Giang") == "An Giang"


def test_describe_place_adds_the_province_only_when_the_venue_does_not_name_it():
    from feeds.extract.places import describe_place

    assert describe_place("Rex Hotel, Ho Chi Minh City", "Hồ Chí Minh") == "Rex Hotel, Ho Chi Minh City"
    assert describe_place("Khách sạn Mường Thanh, TP Vinh", "Nghệ An") == "Khách sạn Mường Thanh, TP Vinh (Nghệ An)"
    assert describe_place("TP Nha Trang, tỉnh Khánh Hoà", "Khánh Hòa") == "TP Nha Trang, tỉnh Khánh Hoà"
    assert describe_place(None, "Hà Nội") == "Hà Nội"
    assert describe_place("Trực tuyến", None) == "Trực tuyến"


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("xã Hòa Thắng, tỉnh Lâm Đồng (trước là tỉnh Bình Thuận)", "Lâm Đồng"),
        ("phường Long Hương (trước kia thuộc tỉnh Bà Rịa - Vũng Tàu), TP.HCM", "Hồ Chí Minh"),
        ("huyện Đông Anh, Hà Nội (nguyên là tỉnh Vĩnh Phúc)", "Hà Nội"),
    ],
)
def test_a_former_name_in_brackets_is_not_the_province(text, province):
    assert province_of(text, on=dt.date(2025, 9, 1)) == province


@pytest.mark.parametrize(
    "text",
    ["Seoul, Korea", "Queen Sirikit National Convention Center, Bangkok, Thailand", "Palais des Nations, Geneva",
     "Tokyo Big Sight, Tokyo, Nhật Bản", "Marina Bay Sands, Singapore"],
)
def test_a_venue_abroad_has_no_vietnamese_province(text):
    assert province_of(text) is None


def test_foreign_names_need_a_capital_and_do_not_hide_a_vietnamese_place():
    assert province_of("Đại sứ quán Hàn Quốc, Hà Nội") == "Hà Nội"
    assert province_of("Lào Cai") == "Lào Cai"  # a province, not Laos
    assert [m.text for m in find_places("đoàn khách từ tokyo")] == []
