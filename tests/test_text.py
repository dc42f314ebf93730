"""feeds.text: decoding pages, one Unicode form, matching keys, sentence splitting."""

from __future__ import annotations

import codecs
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.text import clean_whitespace, decode_html, fold, normalize, split_sentences

TONES = "\u0300\u0301\u0303\u0309\u0323"
ARTICLE = (
    "Sáng ngày 14/3, Hội thảo về sản xuất sạch hơn trong ngành dệt may đã diễn ra tại tỉnh Khánh Hoà. "
    "Hơn 120 đại biểu đến từ các doanh nghiệp, sở ngành và trường đại học đã tham dự. "
    "Các chuyên gia thảo luận về hiệu quả sử dụng năng lượng, nước và hoá chất, "
    "đồng thời giới thiệu mô hình quản lý tài nguyên bền vững tại Thuỷ Nguyên."
)
EXPECTED = ARTICLE.replace("Hoà", "Hòa").replace("hoá", "hóa").replace("Thuỷ", "Thủy")


def to_cp1258(text: str) -> bytes:
    """Encode as real windows-1258 does: base letters precomposed, tones as combining marks."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES))
            out += (base + "".join(c for c in nfd if c in TONES)).encode("cp1258")
    return bytes(out)


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>Tin tức</title></head><body><p>{body}</p></body></html>"


def test_cp1258_helper_really_uses_combining_marks():
    raw = to_cp1258("Hòa")
    assert raw == b"Ho\xcca"  # "o" + 0xCC (combining grave) + "a"
    assert raw.decode("cp1258") != "Hòa"  # undecoded it is not NFC: the reason normalize exists


# --------------------------------------------------------------------------- decode_html


def test_utf8_without_any_declaration():
    assert EXPECTED in decode_html(page(ARTICLE).encode("utf-8"))


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        ("", "text/html; charset=windows-1258"),
        ("", 'text/html; Charset="CP1258"'),
        ('<meta charset="windows-1258">', None),
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258" />', None),
        ('<meta charset="windows-1258">', "text/html"),
    ],
)
def test_declared_windows_1258_becomes_nfc_traditional(head, content_type):
    text = decode_html(to_cp1258(page(ARTICLE, head)), content_type)
    assert EXPECTED in text
    assert unicodedata.is_normalized("NFC", text)


def test_undeclared_windows_1258_is_detected():
    text = decode_html(to_cp1258(page(ARTICLE)))
    assert EXPECTED in text


@pytest.mark.parametrize("short", ["Việt Nam", "Tin tức mới", "ĐÀ NẴNG", "Quỳnh"])
def test_short_undeclared_windows_1258_is_recognised(short):
    assert decode_html(to_cp1258(short)) == short


@pytest.mark.parametrize("declared", ["utf-8", "x-no-such-charset", "utf-16", "undefined", "punycode"])
def test_wrong_or_unknown_declared_charset_falls_back(declared):
    raw = to_cp1258(page(ARTICLE, f'<meta charset="{declared}">'))
    assert EXPECTED in decode_html(raw, f"text/html; charset={declared}")


def test_utf8_bytes_win_over_a_wrong_legacy_declaration():
    raw = page(ARTICLE).encode("utf-8")
    assert EXPECTED in decode_html(raw, "text/html; charset=iso-8859-1")


def test_http_header_wins_over_meta():
    raw = '<html><head><meta charset="iso-8859-15"></head><body>Giá: 5 €</body></html>'.encode("cp1252")
    assert "5 €" in decode_html(raw, "text/html; charset=windows-1252")


def test_byte_order_mark_wins():
    raw = codecs.BOM_UTF16_LE + page(ARTICLE).encode("utf-16-le")
    assert EXPECTED in decode_html(raw, "text/html; charset=iso-8859-1")


def test_decomposed_utf8_comes_out_composed():
    raw = unicodedata.normalize("NFD", page(ARTICLE)).encode("utf-8")
    assert EXPECTED in decode_html(raw)


def test_empty_and_odd_inputs():
    assert decode_html(b"") == ""
    assert decode_html(bytearray(b"<p>ok</p>")) == "<p>ok</p>"
    assert decode_html(b"\x00<p>a\x07b</p>\r\n") == "<p>ab</p>\n"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600), st.one_of(st.none(), st.text(max_size=40)))
def test_decode_never_raises(raw, content_type):
    text = decode_html(raw, content_type)
    assert normalize(text) == text


# --------------------------------------------------------------------------- normalize / fold


@pytest.mark.parametrize(
    ("new", "traditional"),
    [
        ("Hoà", "Hòa"), ("Thuỷ", "Thủy"), ("khoẻ", "khỏe"), ("toà nhà", "tòa nhà"), ("hoá chất", "hóa chất"),
        ("HOÀ BÌNH", "HÒA BÌNH"), ("THUỶ", "THỦY"), ("Uỷ ban", "Ủy ban"), ("oà khóc", "òa khóc"),
        ("hoạ sĩ", "họa sĩ"), ("xoè", "xòe"), ("tuỳ ý", "tùy ý"), ("luỹ tre", "lũy tre"), ("nguỵ", "ngụy"),
    ],
)
def test_normalize_moves_tone_to_traditional_place(new, traditional):
    assert normalize(new) == traditional
    assert normalize(traditional) == traditional


@pytest.mark.parametrize(
    "word",
    # final consonant or a third vowel: both styles agree; "qu" is an initial; foreign words untouched
    ["hoàng", "toán", "thuyền", "khuỷu", "ngoài", "quý", "Quỳnh", "quà", "Chloé", "Zoë", "huýt"],
)
def test_normalize_leaves_syllables_the_rule_does_not_cover(word):
    assert normalize(word) == word


def test_normalize_composes_strips_controls_and_unifies_line_breaks():
    assert normalize("Kha\u0301nh Hoa\u0300") == "Khánh Hòa"
    assert normalize("a\u0000b\u001bc\u200bd\ufeffe\u00adf") == "abcdef"
    assert normalize("một\r\nhai\rba\u2028bốn\tnăm") == "một\nhai\nba\nbốn\tnăm"
    assert normalize("\ud800x") == "x"


@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_fold_matches_both_spellings_and_cases():
    assert fold("Khánh Hoà") == fold("khanh hoa") == fold("KHÁNH HÒA") == "khanh hoa"
    assert fold("  Đà\tNẵng \n") == "da nang"
    assert fold(unicodedata.normalize("NFD", "Thừa Thiên Huế")) == "thua thien hue"
    assert fold("Tp.HCM") == "tp.hcm"


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_clean_whitespace():
    raw = "  Một\u00a0 hai\t\tba  \r\n\n\n\n  bốn  \n\t\nnăm \n\n"
    assert clean_whitespace(raw) == "Một hai ba\n\nbốn\n\nnăm"
    assert clean_whitespace("") == ""


# --------------------------------------------------------------------------- split_sentences

NO_SPLIT = [
    "Hội thảo được tổ chức tại TP. Hồ Chí Minh vào tuần trước.",
    "Đoàn đã làm việc tại Tp.HCM và TP.HCM trong hai ngày.",
    "Hội nghị do PGS.TS. Nguyễn Văn Minh chủ trì.",
    "Báo cáo của TS. Trần Thị Lan được đánh giá cao.",
    "Tham dự có ThS. Lê Hoàng, GS. Phạm Quang và KS. Võ Tùng.",
    "Văn phòng đặt tại Q.1, P. Bến Nghé, gần trung tâm.",
    "The talk by Mr. Brown and Dr. Smith was well received.",
    "Some sectors, e.g. Textiles, and others, i.e. Paper mills, joined.",
    "The permit is No. A-12 of the province.",
    "Mức tiết kiệm đạt 1.5 lần, với 2.000 doanh nghiệp tham gia.",
    "Ngày 14.3.2019 dự án được khởi động.",
    "Chuyên gia Nguyễn V. Hùng trình bày.",
    "Thông tin chi tiết tại https://vncpc.org/tin-tuc/hoi-thao.html và www.vncpc.org nhé.",
    "Các hoạt động như kiểm toán năng lượng... đã được triển khai.",
    "Hội nghị thống nhất: 1. Tăng cường phối hợp; 2. Hoàn thiện chính sách.",
]


@pytest.mark.parametrize("text", NO_SPLIT)
def test_split_sentences_does_not_break_inside(text):
    assert split_sentences(text) == [text]


def test_split_sentences_breaks_at_real_ends():
    text = (
        "Hội nghị kết thúc tốt đẹp. Đại biểu đánh giá cao kết quả! Ưu tiên là gì? "
        "Ơn nghĩa… Âm thanh tốt. 200 người ở lại.\n"
        "Dòng mới không có dấu chấm\nDòng tiếp theo.\n\nĐoạn mới. Ông nói: “Tốt.” Sau đó về."
    )
    assert split_sentences(text) == [
        "Hội nghị kết thúc tốt đẹp.",
        "Đại biểu đánh giá cao kết quả!",
        "Ưu tiên là gì?",
        "Ơn nghĩa…",
        "Âm thanh tốt. 200 người ở lại.",
        "Dòng mới không có dấu chấm",
        "Dòng tiếp theo.",
        "Đoạn mới.",
        "Ông nói: “Tốt.”",
        "Sau đó về.",
    ]


def test_split_sentences_list_items_and_paragraphs():
    text = "Các kiến nghị:\n1. Tăng cường hợp tác.\n2. Hoàn thiện pháp luật.\na. Một ý phụ\n\nhết"
    assert split_sentences(text) == [
        "Các kiến nghị:", "1. Tăng cường hợp tác.", "2. Hoàn thiện pháp luật.", "a. Một ý phụ", "hết",
    ]


def test_split_sentences_joins_lines_wrapped_mid_sentence():
    assert split_sentences("Hội thảo diễn ra tại\nthành phố Vinh. Kết thúc.") == [
        "Hội thảo diễn ra tại thành phố Vinh.", "Kết thúc.",
    ]


def test_split_sentences_sentence_ending_with_year_or_url():
    assert split_sentences("Dự án bắt đầu năm 2019. Tiếp theo là xem https://vncpc.org. Hết.") == [
        "Dự án bắt đầu năm 2019.", "Tiếp theo là xem https://vncpc.org.", "Hết.",
    ]


def test_split_sentences_large_adversarial_inputs_stay_whole():
    for text in (". " * 50_000, "a." * 100_000, "TP. " * 30_000 + "Hết.", "x\n" * 50_000, "“" * 100_000):
        sentences = split_sentences(text)
        assert "".join("".join(sentences).split()) == "".join(text.split())


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("aĐƯb.!?…:;\"“” \n\t1TPS")), max_size=300) | st.text())
def test_split_sentences_never_raises_and_loses_nothing(text):
    sentences = split_sentences(text)
    assert all(s and s == s.strip() for s in sentences)
    assert "".join("".join(sentences).split()) == "".join(text.split())


@given(st.text(alphabet="oOuUqQyYaAeEhHt àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴòóủ.\n", max_size=40))
def test_fast_path_gives_the_same_result_as_the_full_rule(s):
    """normalize() skips the tone rule when no candidate pair is present; that must change nothing."""
    import unicodedata

    from feeds.text import _NEW_STYLE_TONE, _traditional

    assert normalize(s) == _NEW_STYLE_TONE.sub(_traditional, unicodedata.normalize("NFC", s))
