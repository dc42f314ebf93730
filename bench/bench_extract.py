"""Benchmark: extracting a ~4 KB article vs BeautifulSoup("lxml")-parsing its HTML page, same run.

    .venv/bin/python bench/bench_extract.py [--repeat 200] [--page path/to/article.html]

Builds WordPress pages around a ~4 KB Vietnamese report in the site's shape (a typical theme's
page, and a bare skeleton for a worst case) — or reads ``--page`` and takes its text — then
prints the median time of `feeds.extract.extract` on the article text, the median time of
`BeautifulSoup(page, "lxml")` on each page, and their ratio (target: extraction ≤ 20% of the
parse). Two last tables show extraction time as the article doubles (linear time: the per-KB column
stays flat) and on pathological inputs as they double (ratios near 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feeds.extract import extract  # noqa: E402
from feeds.models import Language  # noqa: E402

PUBLISHED = dt.datetime(2019, 6, 20, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
TITLE = "Hội thảo sản xuất sạch hơn trong ngành chế biến thủy sản tại Nha Trang"
PARAGRAPHS = [
    "Trong những năm qua, ngành chế biến thủy sản đã đóng góp lớn vào kim ngạch xuất khẩu, nhưng cũng tiêu thụ "
    "nhiều nước, điện và phát sinh lượng lớn nước thải giàu chất hữu cơ tại các khu công nghiệp ven biển.",
    "Trong 2 ngày 12 và 13 tháng 6 vừa qua, tại Khách sạn Mường Thanh, TP Nha Trang, tỉnh Khánh Hòa, Sở Công Thương "
    "Khánh Hòa phối hợp với Trung tâm Sản xuất sạch Việt Nam (VNCPC) tổ chức Hội thảo \"Sản xuất sạch hơn trong chế "
    "biến thủy sản\". Hơn 150 đại biểu đến từ các doanh nghiệp, hiệp hội và cơ quan quản lý đã tham dự.",
    "Tại hội thảo, gần 20 báo cáo đã được trình bày về các giải pháp tiết kiệm nước trong công đoạn rửa nguyên liệu, "
    "thu hồi nhiệt từ hệ thống lạnh và tận dụng phụ phẩm làm thức ăn chăn nuôi. Chương trình được thực hiện theo "
    "Quyết định số 1419/QĐ-TTg ngày 7/9/2009 của Thủ tướng Chính phủ.",
    "Nhiều doanh nghiệp cho biết chỉ với các giải pháp quản lý nội vi, mức tiêu thụ nước có thể giảm từ 10 đến 15%, "
    "còn chi phí điện năng giảm khoảng 8% mỗi năm mà không cần đầu tư lớn.",
    "Kết thúc hội thảo, các đại biểu đã thống nhất một số kiến nghị:",
    "1.    Bộ Công Thương cần sớm ban hành hướng dẫn kỹ thuật về sản xuất sạch hơn cho ngành chế biến thủy sản.\n"
    "2.    Các nhiệm vụ trước mắt cần triển khai:\n\n"
    "  • Xây dựng định mức tiêu thụ nước và năng lượng cho từng nhóm sản phẩm.\n"
    "  • Hỗ trợ doanh nghiệp vừa và nhỏ tiếp cận các nguồn vốn vay ưu đãi.\n"
    "  • Nhân rộng các mô hình sản xuất sạch hơn thành công trong toàn ngành.\n\n"
    "3.    Các hiệp hội ngành hàng tiếp tục làm đầu mối chia sẻ thông tin và kinh nghiệm.",
    "VNCPC sẽ tổng hợp các ý kiến tại hội thảo để gửi tới các cơ quan liên quan trong thời gian tới. Các tài liệu "
    "của hội thảo được đăng tải trên trang thông tin điện tử của Trung tâm.",
]


def article_text(target_bytes: int = 4096) -> str:
    """The report, its middle paragraphs repeated until it weighs about ``target_bytes`` in UTF-8."""
    body = list(PARAGRAPHS)
    filler = [PARAGRAPHS[0], PARAGRAPHS[3]]
    n = 0
    while len("\n\n".join(body).encode("utf-8")) < target_bytes:
        body.insert(-2, filler[n % 2])
        n += 1
    return "\n\n".join(body)


def page_html(text: str, *, full: bool = True) -> str:
    """A WordPress page around the article: head, menu, content, sidebar, footer.

    ``full=False`` gives a bare skeleton; ``full=True`` adds what a stock WordPress theme prints
    on every article page (inline CSS and emoji script, JSON-LD, a nested menu, sidebar widgets,
    related posts, share links, a comment form).
    """
    menu = "".join(f'<li class="menu-item"><a href="/muc-{i}/">Chuyên mục {i}</a></li>' for i in range(40))
    side = "".join(
        f'<li><a href="/tin-tuc/bai-viet-{i}/">Bài viết liên quan số {i} về sản xuất sạch hơn</a>'
        f'<span class="date">0{i % 9 + 1}/06/2019</span></li>'
        for i in range(25)
    )
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    scripts = "".join(f'<script src="/wp-includes/js/script-{i}.js?ver=5.2"></script>' for i in range(12))
    styles = "".join(f'<link rel="stylesheet" href="/wp-content/themes/vncpc/css/style-{i}.css" />' for i in range(10))
    extra_head, extra_body = (_wordpress_chrome() if full else ("", ""))
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{TITLE}</title>{styles}{extra_head}'
        f'<meta property="og:title" content="{TITLE}"></head><body class="post-template-default single">'
        f'<header id="masthead"><div class="logo"><a href="/"><img src="/logo.png" alt="VNCPC"></a></div>'
        f'<nav id="site-navigation"><ul class="menu">{menu}</ul></nav></header>'
        f'<div id="content"><main><article class="post"><h1 class="entry-title">{TITLE}</h1>'
        f'<div class="entry-meta"><time datetime="2019-06-20T09:00:00+07:00">20/06/2019</time></div>'
        f'<div class="entry-content">{paras}</div></article>{extra_body}</main>'
        f'<aside id="secondary"><section class="widget"><h2>Tin mới</h2><ul>{side}</ul></section></aside></div>'
        f'<footer id="colophon"><p>Trung tâm Sản xuất sạch Việt Nam</p></footer>{scripts}</body></html>'
    )


def _wordpress_chrome() -> tuple[str, str]:
    css = "".join(f".wp-block-{i}{{margin:0 0 1em;padding:{i % 7}px;color:#3{i % 10}3;font-size:1{i % 9}px}}" for i in range(120))
    emoji = "window._wpemojiSettings=" + "{" + ",".join(f'"k{i}":"https://s.w.org/images/core/emoji/{i}/72x72/"' for i in range(40)) + "}"
    json_ld = '{"@context":"https://schema.org","@graph":[' + ",".join(
        f'{{"@type":"WebPage","@id":"https://vncpc.org/p/{i}/","name":"{TITLE}"}}' for i in range(6)) + "]}"
    head = f"<style>{css}</style><script>{emoji}</script><script type=\"application/ld+json\">{json_ld}</script>"
    submenus = "".join(
        f'<li class="menu-item-has-children"><a href="/m{i}/">Mục {i}</a><ul class="sub-menu">'
        + "".join(f'<li><a href="/m{i}/s{j}/">Tiểu mục {i}.{j}</a></li>' for j in range(6)) + "</ul></li>"
        for i in range(12)
    )
    widgets = "".join(
        f'<section class="widget"><h2>Widget {w}</h2><ul>'
        + "".join(f'<li class="cat-item"><a href="/w{w}/i{i}/">Mục lưu trữ {w}-{i}</a> (1{i})</li>' for i in range(30))
        + "</ul></section>"
        for w in range(4)
    )
    related = "".join(
        f'<div class="related-post"><a href="/tin-tuc/lien-quan-{i}/"><img src="/img/{i}.jpg" alt=""></a>'
        f"<h3>Tin liên quan {i}</h3><p>{PARAGRAPHS[3][:160]}…</p></div>" for i in range(6)
    )
    share = "".join(f'<a class="share-{n}" href="https://example.org/share?u=https://vncpc.org/p/1/">{n}</a>' for n in ("fb", "tw", "in", "mail"))
    form = '<form id="commentform"><textarea name="comment"></textarea><input name="author"><input name="email"><button>Gửi</button></form>'
    return head, f'<nav class="sub">{submenus}</nav><div class="share">{share}</div>{related}{widgets}{form}'


def median_seconds(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--page", type=Path, help="an article page to use instead of the generated one")
    args = parser.parse_args()
    text = article_text()
    pages = [("typical WordPress page", page_html(text, full=True)), ("bare skeleton page", page_html(text, full=False))]
    if args.page:
        html = args.page.read_text(encoding="utf-8")
        text = BeautifulSoup(html, "lxml").get_text("\n\n", strip=True)
        pages = [(str(args.page), html)]
    extract(text, language=Language.VI, published=PUBLISHED, title=TITLE)  # warm caches (gazetteer, regexes)
    t_extract = median_seconds(lambda: extract(text, language=Language.VI, published=PUBLISHED, title=TITLE), args.repeat)
    print(f"article text {len(text.encode('utf-8')) / 1024:.1f} KB, {args.repeat} runs each, medians")
    print(f"{'extract':58} {t_extract * 1000:8.3f} ms")
    for label, html in pages:
        t_parse = median_seconds(lambda: BeautifulSoup(html, "lxml"), args.repeat)
        size = f"{label} ({len(html.encode('utf-8')) / 1024:.1f} KB)"
        print(f"{'BeautifulSoup lxml, ' + size:58} {t_parse * 1000:8.3f} ms   extract/parse {t_extract / t_parse:6.1%} (target <= 20%)")
    print("\nlinearity: extraction time as the article doubles")
    print(f"{'KB':>6} {'ms':>9} {'ms per KB':>10}")
    for kb in (4, 8, 16, 32, 64):
        body = article_text(kb * 1024)
        t = median_seconds(lambda: extract(body, language=Language.VI, published=PUBLISHED, title=TITLE), max(5, args.repeat // kb))
        print(f"{kb:>6} {t * 1000:9.3f} {t * 1000 / kb:10.3f}")
    adversarial_scaling()


ADVERSARIAL = {
    "many events": lambda n: "\n\n".join(
        f"Ngày {(dt.date(1990, 1, 1) + dt.timedelta(days=i)):%d/%m/%Y}, VNCPC tổ chức hội thảo tại Hà Nội." for i in range(n)
    ),
    "many lists": lambda n: "\n\n".join(f"Hội nghị kiến nghị:\n1. Mục {i}.\n2. Mục hai.\n  • mục con" for i in range(n)),
    "inline labels": lambda n: "Hội nghị đề xuất: " + " ".join(f"(1) việc {i};" for i in range(n)),
    "one long sentence": lambda n: "Hội thảo ngày " + ", ".join(f"{i % 28 + 1}/{i % 12 + 1}" for i in range(n)),
    "long organiser list": lambda n: "Hội thảo do " + " và ".join("Bộ Công Thương" for _ in range(n)) + " tổ chức ngày 5/6/2019.",
}


def adversarial_scaling() -> None:
    """Extraction time on pathological shapes as their size doubles (linear: each ratio near 2)."""
    print("\nadversarial inputs: seconds at n, 2n, 4n and the ratios")
    for name, make in ADVERSARIAL.items():
        times = []
        for n in (2000, 4000, 8000):
            body = make(n)
            started = time.perf_counter()
            extract(body, language=Language.VI, published=PUBLISHED)
            times.append(time.perf_counter() - started)
        print(f"{name:22} {times[0]:7.3f} {times[1]:7.3f} {times[2]:7.3f}   x{times[1] / times[0]:.2f} x{times[2] / times[1]:.2f}")


if __name__ == "__main__":
    main()
