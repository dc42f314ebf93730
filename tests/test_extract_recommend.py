"""Recommendation lists: every marker shape, sub-items, inline lists, and lists that are not recommendations."""

from __future__ import annotations

import pytest

from feeds.extract.recommend import find_recommendations


def texts(text: str) -> list[str]:
    return [r.text for r in find_recommendations(text)]


def test_numbered_with_bullet_sub_items():
    text = (
        "Hội nghị đã thống nhất một số kiến nghị:\n\n"
        "1.    Chính phủ cần sớm ban hành chương trình quốc gia.\n"
        "2.    Các nhiệm vụ trước mắt cần triển khai:\n\n"
        "  • Xây dựng cơ sở dữ liệu về tài nguyên.\n"
        "  • Nhân rộng các mô hình điển hình\n"
        "    ở các địa phương.\n"
        "  • Duy trì mạng lưới chuyên gia.\n\n"
        "3.    Tăng cường truyền thông.\n\n"
        "Sau hội nghị, các đơn vị sẽ triển khai."
    )
    items = find_recommendations(text)
    assert [(r.index, r.label) for r in items] == [(1, "1."), (2, "2."), (3, "3.")]
    assert items[0].text == "Chính phủ cần sớm ban hành chương trình quốc gia."
    assert items[1].sub_items == (
        "Xây dựng cơ sở dữ liệu về tài nguyên.",
        "Nhân rộng các mô hình điển hình ở các địa phương.",
        "Duy trì mạng lưới chuyên gia.",
    )
    assert items[2].sub_items == ()


@pytest.mark.parametrize(
    ("intro", "labels"),
    [
        ("Các đại biểu đề xuất:", ["1)", "2)"]),
        ("The conference proposed two priority actions:", ["(1)", "(2)"]),
        ("Đoàn công tác khuyến nghị:", ["a)", "b)"]),
        ("Participants recommended the following:", ["•", "•"]),
        ("Ban chỉ đạo đề nghị:", ["-", "-"]),
        ("Hội thảo đưa ra các giải pháp:", ["–", "–"]),
        ("Các đại biểu góp ý:", ["a.", "b."]),
        ("The mission called on provincial authorities to:", ["a)", "b)"]),
    ],
)
def test_marker_shapes(intro, labels):
    body = "\n".join(f"{label} Nội dung khuyến nghị số {n} cho doanh nghiệp." for n, label in enumerate(labels, 1))
    items = find_recommendations(f"{intro}\n\n{body}")
    assert [r.label for r in items] == labels
    assert items[1].text == "Nội dung khuyến nghị số 2 cho doanh nghiệp."


def test_ordinal_words_on_their_own_lines_and_inline():
    lines = "Hội nghị kiến nghị:\n\nMột là, hoàn thiện chính sách.\nHai là, tăng cường đào tạo.\nBa là, huy động vốn."
    assert [r.label for r in find_recommendations(lines)] == ["Một là,", "Hai là,", "Ba là,"]
    inline = "Để phát triển bền vững, hội thảo đề xuất: Một là, hoàn thiện chính sách; Hai là, tăng cường đào tạo."
    assert texts(inline) == ["hoàn thiện chính sách;", "tăng cường đào tạo."]
    thu = "Các chuyên gia khuyến nghị:\n\nThứ nhất, đầu tư công nghệ.\nThứ hai, đào tạo nhân lực."
    assert texts(thu) == ["đầu tư công nghệ.", "đào tạo nhân lực."]


def test_need_list_with_colon():
    text = "Để tiết kiệm năng lượng, các doanh nghiệp cần:\n\n- Lắp công tơ riêng cho từng dây chuyền;\n- Bảo dưỡng máy nén định kỳ."
    assert texts(text) == ["Lắp công tơ riêng cho từng dây chuyền;", "Bảo dưỡng máy nén định kỳ."]


@pytest.mark.parametrize(
    "text",
    [
        "Chương trình Diễn đàn gồm các phiên:\n\n- Phiên khai mạc;\n- Phiên 1: Chính sách;\n- Phiên tổng kết.",
        "Nội dung chính của khóa tập huấn gồm:\n\n1. Tổng quan về sản xuất sạch hơn;\n2. Phương pháp kiểm toán năng lượng.",
        "Thành phần tham dự gồm:\n\n1. Ông Nguyễn Văn An, Giám đốc;\n2. Bà Trần Thị Bình, Phó Giám đốc.",
        "Cuốn sách gồm 3 chương:\n\nChương 1 giới thiệu.\n1. Tổng quan\n2. Phương pháp\n3. Kết luận",
        "The programme covered:\n\n1. Principles of Chemical Leasing;\n2. Case studies.",
        "Ban tổ chức đề nghị các đơn vị đăng ký gửi kèm:\n\n- Thông tin chung về cơ sở;\n- Danh sách người tham dự.",
        "Hội nghị đã thống nhất một số kiến nghị quan trọng.",
        "",
    ],
)
def test_lists_that_are_not_recommendations(text):
    assert find_recommendations(text) == []


def test_a_second_list_after_an_agenda_is_read_on_its_own():
    text = (
        "Chương trình gồm:\n\n1. Khai mạc;\n2. Thảo luận.\n\n"
        "Kết thúc hội thảo, các đại biểu kiến nghị:\n\n1. Hoàn thiện khung pháp lý.\n2. Tăng cường hỗ trợ kỹ thuật."
    )
    assert texts(text) == ["Hoàn thiện khung pháp lý.", "Tăng cường hỗ trợ kỹ thuật."]


def test_numbering_restart_starts_a_new_list_in_the_same_context():
    text = "Các kiến nghị:\n\n1. Một.\n2. Hai.\n1. Ba.\n2. Bốn."
    assert [r.index for r in find_recommendations(text)] == [1, 2, 3, 4]


def test_heading_trigger_and_lettered_sub_items():
    text = (
        "KIẾN NGHỊ\n\n1. Hoàn thiện hành lang pháp lý.\n\n2. Xây dựng cơ chế tài chính:\n\n"
        "a) Ưu đãi thuế cho công nghệ sạch;\nb) Thành lập quỹ chuyển đổi xanh.\n\n3. Nâng cao nhận thức."
    )
    items = find_recommendations(text)
    assert [r.label for r in items] == ["1.", "2.", "3."]
    assert items[1].sub_items == ("Ưu đãi thuế cho công nghệ sạch;", "Thành lập quỹ chuyển đổi xanh.")


def test_english_dash_sub_items():
    text = (
        "The workshop made the following recommendations:\n\n1) Provinces should set up support units.\n"
        "2) The Ministry should update the action plan:\n   - include targets for small enterprises;\n"
        "   - allocate a budget line.\n3) Donors should coordinate their programmes."
    )
    items = find_recommendations(text)
    assert len(items) == 3 and items[1].sub_items == ("include targets for small enterprises;", "allocate a budget line.")


@pytest.mark.parametrize(
    "text",
    [
        "Sách gồm các chương:\n\nChương 2. Các giải pháp sản xuất sạch hơn\n1. Giải pháp quản lý nội vi\n2. Giải pháp công nghệ",
        "Hội thảo đã thảo luận về các giải pháp tiết kiệm năng lượng.\n\n1. Giải pháp chiếu sáng\n2. Giải pháp động cơ",
    ],
)
def test_weak_words_need_an_introducing_colon(text):
    assert find_recommendations(text) == []


def test_slash_numbers_with_decimal_sub_items_and_roman_numerals():
    text = "Hội nghị kiến nghị:\n1/ Hoàn thiện chính sách.\n2/ Tăng cường đào tạo.\n2.1. Cán bộ quản lý.\n2.2. Kỹ thuật viên.\n3/ Huy động vốn."
    items = find_recommendations(text)
    assert [r.label for r in items] == ["1/", "2/", "3/"] and items[1].sub_items == ("Cán bộ quản lý.", "Kỹ thuật viên.")
    roman = "The mission recommends:\n(i) set up a fund;\n(ii) train auditors;\n(iii) monitor results."
    assert [r.label for r in find_recommendations(roman)] == ["(i)", "(ii)", "(iii)"]


@pytest.mark.parametrize(
    "text",
    [
        "Từ năm 2020, xưởng đã triển khai các giải pháp sau:\n- Lắp biến tần cho quạt hút\n- Thu hồi nước ngưng",
        "Since 2019 the mill has implemented the following measures that should cut fuel use:\n1. Insulating steam pipes\n2. Recovering condensate",
        "Candidates need to:\n1. Complete the online form\n2. Attach a short CV",
        "Đơn vị dự thầu phải:\n- Có giấy phép kinh doanh còn hiệu lực\n- Có ít nhất ba hợp đồng tương tự",
        "Người tham gia cuộc thi cần:\na) Gửi bài trước ngày 10/6\nb) Ghi rõ họ tên",
    ],
)
def test_measures_already_taken_and_requirements_are_not_recommendations(text):
    assert find_recommendations(text) == []


def test_a_past_recommendation_stays_a_recommendation():
    text = "Nhóm chuyên gia đã đề xuất các giải pháp sau:\n- Lập quỹ đổi mới công nghệ\n- Hỗ trợ kiểm toán năng lượng"
    assert [r.text for r in find_recommendations(text)] == ["Lập quỹ đổi mới công nghệ", "Hỗ trợ kiểm toán năng lượng"]


def test_english_ordinal_paragraphs_after_a_trigger_are_a_list():
    text = (
        "The review team recommended three steps.\n\nFirst, every dyeing house should meter its water.\n\n"
        "Secondly, the province should publish discharge data.\n\nThird, banks should price pollution risk.\n\n"
        "The report is available online."
    )
    found = find_recommendations(text)
    assert [r.label for r in found] == ["First,", "Secondly,", "Third,"]
    assert found[1].text == "the province should publish discharge data."


def test_english_ordinal_paragraphs_without_a_trigger_are_not():
    text = "The plant changed in two ways.\n\nFirst, it moved the boiler.\n\nSecond, it hired an energy manager."
    assert find_recommendations(text) == []


def test_a_list_of_solutions_still_counts_beside_the_requirement_words():
    text = "Để giảm tổn thất, các giải pháp chính gồm:\n1. Lắp kho lạnh tại vùng trồng\n2. Đóng gói bằng thùng nhựa"
    assert [r.text for r in find_recommendations(text)] == ["Lắp kho lạnh tại vùng trồng", "Đóng gói bằng thùng nhựa"]
    assert find_recommendations("Hồ sơ đăng ký gồm:\n1. Đơn đăng ký\n2. Bản sao giấy phép") == []


# --------------------------------------------------------------------------- forms found in real comment letters and reports
# (written for these tests in their style)


def test_ordinal_words_under_a_title_that_names_solutions():
    body = ("Một là, Tăng cường kiểm tra việc xả thải của các cơ sở chế biến thủy sản\n"
            "Hai là , Hỗ trợ doanh nghiệp tiếp cận vốn vay ưu đãi cho công nghệ sạch.\n"
            "Ba là, Đào tạo cán bộ quản lý môi trường cho các khu công nghiệp.")
    items = find_recommendations(body, title="2.3.1. Giải pháp phát triển bền vững ngành thủy sản về môi trường")
    assert [r.label for r in items] == ["Một là,", "Hai là,", "Ba là,"]
    assert items[1].text.startswith("Hỗ trợ doanh nghiệp")
    assert find_recommendations(body, title="Kết quả khảo sát doanh nghiệp chế biến thủy sản năm 2020") == []


def test_a_comment_letter_says_what_the_decree_should_ensure():
    text = ("Phòng Thương mại và Công nghiệp Việt Nam có một số ý kiến như sau:\n\n"
            "Thực tế cho thấy chi phí tuân thủ còn cao. Do đó, Thông tư này nên được soạn thảo theo hướng bảo đảm các yêu cầu sau:\n\n"
            "  • Chi phí tuân thủ của doanh nghiệp phải được tính toán và công bố.\n"
            "  • Lộ trình áp dụng cần đủ dài để doanh nghiệp nhỏ chuẩn bị.")
    assert texts(text) == ["Chi phí tuân thủ của doanh nghiệp phải được tính toán và công bố.",
                           "Lộ trình áp dụng cần đủ dài để doanh nghiệp nhỏ chuẩn bị."]


def test_numbered_headings_keep_their_dash_points_as_sub_items():
    text = ("Trả lời Công văn của Bộ, VCCI có các ý kiến tổng hợp như sau:\n\n"
            "  1. Quy định về quan trắc nước thải\n\n"
            "Điều 12 Dự thảo bổ sung nghĩa vụ quan trắc tự động. Quy định này cần xem xét ở các điểm sau đây:\n\n"
            "– Tần suất quan trắc chưa phù hợp với doanh nghiệp nhỏ, đề nghị cơ quan soạn thảo giảm tần suất.\n\n"
            "– Chi phí lắp đặt thiết bị chưa được tính đến.\n\n"
            "  2. Quy định về báo cáo môi trường\n\n"
            "Đề nghị gộp các báo cáo định kỳ thành một báo cáo năm.")
    items = find_recommendations(text)
    assert [(r.label, r.text) for r in items] == [("1.", "Quy định về quan trắc nước thải"), ("2.", "Quy định về báo cáo môi trường")]
    assert len(items[0].sub_items) == 2 and items[1].sub_items == ()


def test_under_headings_that_recommend_nothing_a_recommending_list_still_counts():
    text = ("Hội nghị tổng kết năm 2022 diễn ra tại Hà Nội.\n\n"
            "1. Kết quả đạt được\n\n"
            "Năm qua, Trung tâm đã hỗ trợ 40 doanh nghiệp. Hội nghị kiến nghị:\n\n"
            "- Mở rộng chương trình hỗ trợ đến các tỉnh miền Trung.\n"
            "- Tăng ngân sách cho kiểm toán năng lượng.\n\n"
            "2. Phương hướng năm 2023")
    assert texts(text) == ["Mở rộng chương trình hỗ trợ đến các tỉnh miền Trung.", "Tăng ngân sách cho kiểm toán năng lượng."]


def test_a_numbered_list_of_sentences_is_not_a_list_of_headings():
    text = ("The meeting results were as follows.\n\n"
            "1. They discussed the following topics:\n"
            "- wastewater management in industrial zones\n\n"
            "The delegates then visited a treatment plant.\n\n"
            "- an unrelated point")
    assert texts(text) == []


def test_english_ordinals_may_end_with_a_colon():
    text = ("The forum recommended three actions.\n\nFirst, provinces should map their waste streams.\n\n"
            "Second: industrial parks should share water treatment.\n\nThird, banks should offer green credit.")
    assert [r.label for r in find_recommendations(text)] == ["First,", "Second:", "Third,"]


@pytest.mark.parametrize(
    "text",
    [
        "Mục lục\n\n1. Giới thiệu chung\n2. Các giải pháp sản xuất sạch hơn\n3. Kết luận",
        "Tài liệu tham khảo:\n\n1. Nghị định số 82/2018/NĐ-CP về quản lý khu công nghiệp\n2. Luật Bảo vệ môi trường 2020",
        "The companies interested in a green credit line must:\n\n  • qualify for a bank loan;\n  • acquire a cleaner technology.",
    ],
)
def test_tables_of_contents_lists_of_documents_and_requirements_are_not_recommendations(text):
    assert texts(text) == []


def test_ordinal_words_that_advise_count_without_an_introduction():
    advice = ("Các chuyên gia phân tích nhiều vấn đề.\n\nThứ nhất, cần hoàn thiện khung pháp lý về tái chế.\n"
              "Thứ hai, cần có cơ chế ưu đãi tín dụng xanh.\nThứ ba, tăng cường truyền thông.")
    assert [r.label for r in find_recommendations(advice)] == ["Thứ nhất,", "Thứ hai,", "Thứ ba,"]
    reasons = "Việt Nam có nhiều lợi thế.\n\nThứ nhất, Việt Nam có nguồn lao động dồi dào.\nThứ hai, vị trí địa lý thuận lợi."
    assert find_recommendations(reasons) == []


@pytest.mark.parametrize(
    "intro",
    ["Dự án cần đạt được các mục tiêu sau:", "The project should reach the following targets:"],
)
def test_a_list_of_objectives_is_not_advice(intro):
    assert texts(f"{intro}\n- Giảm 20% lượng nước tiêu thụ\n- Giảm 15% điện năng") == []


def test_addressee_headings_keep_the_paragraph_under_them():
    text = ("Từ kết quả nghiên cứu, nhóm tác giả đưa ra một số kiến nghị sau:\n1. Đối với Chính phủ:\n"
            "Cần sớm ban hành cơ chế khuyến khích tái chế.\n2. Đối với doanh nghiệp:\nChủ động đầu tư công nghệ sạch.")
    items = find_recommendations(text)
    assert [(r.text, r.sub_items) for r in items] == [
        ("Đối với Chính phủ:", ("Cần sớm ban hành cơ chế khuyến khích tái chế.",)),
        ("Đối với doanh nghiệp:", ("Chủ động đầu tư công nghệ sạch.",)),
    ]


def test_an_inline_numbered_list_after_a_recommending_verb():
    text = ("The participants recommended that the government should: 1) issue guidelines on eco-industrial parks; "
            "2) provide incentives; 3) monitor implementation.")
    assert [r.label for r in find_recommendations(text)] == ["1)", "2)", "3)"]
    topics = "The meeting discussed 1) the work plan, 2) the budget and 3) the reporting."
    assert find_recommendations(topics) == []


def test_a_recommending_paragraph_after_numbered_headings_opens_its_own_list():
    text = ("Hội thảo kiến nghị:\n\n1. Về chính sách\n\nCần sửa đổi Nghị định về khu công nghiệp.\n\n2. Về tài chính\n\n"
            "Cần thành lập quỹ hỗ trợ.\n\nCác doanh nghiệp đề xuất:\n- Giảm thủ tục hành chính\n- Hỗ trợ vay vốn")
    assert texts(text) == ["Về chính sách", "Về tài chính", "Giảm thủ tục hành chính", "Hỗ trợ vay vốn"]
