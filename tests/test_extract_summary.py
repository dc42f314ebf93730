"""The lead summary: real sentences only, at most three, about 400 characters."""

from __future__ import annotations

import datetime as dt

from feeds.extract import extract
from feeds.models import Language
from feeds.extract.summary import MAX_CHARS, summarize

ARTICLE = """Tin tức

Hội thảo sản xuất sạch hơn ngành giấy

06:20 | 14/03/2019

HÀ NỘI, 14/3 - Ngày 14/3, tại TP. Hồ Chí Minh, Trung tâm Sản xuất sạch Việt Nam tổ chức hội thảo về sản xuất sạch hơn trong ngành giấy. PGS.TS. Nguyễn Văn An trình bày kết quả đánh giá tại 12 nhà máy.

Ảnh: Các đại biểu tham dự hội thảo (Ảnh minh họa)

Các nhà máy đã giảm 1.5 triệu m3 nước mỗi năm. Kết quả này được ghi nhận tại Q.1 và nhiều quận khác. Hội thảo kết thúc cùng ngày.

Theo VNCPC"""


def test_lead_sentences_skip_labels_titles_stamps_and_captions():
    summary = summarize(ARTICLE, title="Hội thảo sản xuất sạch hơn ngành giấy")
    assert summary.startswith("Ngày 14/3, tại TP. Hồ Chí Minh, Trung tâm")  # dateline "HÀ NỘI, 14/3 -" dropped
    assert "PGS.TS. Nguyễn Văn An trình bày" in summary  # not split at "PGS.TS."
    assert "Ảnh" not in summary and "Tin tức" not in summary and "06:20" not in summary
    assert len(summary) <= MAX_CHARS


def test_at_most_three_sentences():
    text = " ".join(f"Câu số {n} nói về sản xuất sạch hơn trong công nghiệp." for n in range(1, 8))
    assert summarize(text).count("Câu số") == 3


def test_one_long_sentence_is_cut_at_a_word():
    text = "Hội thảo " + "rất " * 200 + "thành công."
    summary = summarize(text)
    assert len(summary) <= MAX_CHARS and summary.endswith("…") and not summary.endswith(" …")


def test_english_summary_stays_english():
    text = "Photo: VNCPC\n\nOn 9 June, VNCPC and UNIDO organised a workshop on resource efficiency in Hanoi. More than 80 participants attended."
    result = extract(text, language=Language.EN, published=dt.datetime(2016, 6, 15, tzinfo=dt.timezone.utc))
    assert result.summary == "On 9 June, VNCPC and UNIDO organised a workshop on resource efficiency in Hanoi. More than 80 participants attended."


def test_nothing_to_summarise():
    assert summarize("") == "" and summarize("Tin tức\n\n06:2 | 02/12/2007") == ""
