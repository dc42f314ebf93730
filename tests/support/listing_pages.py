"""Listing pages of any size in the shape of a WordPress theme (vncpc.org's), for the listing
goldens (tests/test_selectors_linear.py) and bench/bench_listing.py. All text is invented."""

from __future__ import annotations

BASE = "https://vncpc.org/tin-tuc/"


def item(i: int) -> str:
    return (
        f'<article id="post-{i}" class="post-{i} post type-post status-publish format-standard has-post-thumbnail '
        f'hentry category-tin-tuc"><div class="post-thumbnail"><a href="/tin-tuc/bai-{i}/"><img '
        f'src="/wp-content/uploads/2025/{i % 12 + 1:02d}/anh-{i}.jpg" alt=""></a></div>'
        f'<header class="entry-header"><h2 class="entry-title"><a href="/tin-tuc/bai-{i}/" rel="bookmark">'
        f"Hội thảo sản xuất sạch hơn số {i} tại Hà Nội</a></h2><div class=\"entry-meta\"><span class=\"posted-on\">"
        f'<a href="/tin-tuc/bai-{i}/"><time class="entry-date published" datetime="2025-03-{i % 28 + 1:02d}T08:00:00+07:00">'
        f"{i % 28 + 1:02d}/03/2025</time></a></span><span class=\"byline\"><span class=\"author vcard\">"
        f'<a class="url fn n" href="/author/vncpc/">VNCPC</a></span></span></div></header>'
        f'<div class="entry-summary"><p>Trung tâm Sản xuất sạch Việt Nam tổ chức hội thảo về tiết kiệm năng lượng '
        f"và nước cho doanh nghiệp dệt may, chế biến thủy sản…</p></div></article>\n"
    )


def listing(n: int) -> str:
    chrome = ('<header id="masthead" class="site-header"><nav class="main-navigation"><ul>'
              + "".join(f'<li class="menu-item"><a href="/muc-{k}/">Mục {k}</a></li>' for k in range(30))
              + "</ul></nav></header>")
    items = "".join(item(i) for i in range(n, 0, -1))
    nav = '<nav class="navigation pagination"><a class="next page-numbers" href="/tin-tuc/page/2/">Sau</a></nav>'
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Tin tức</title></head><body class="blog">'
            f'{chrome}<div id="primary" class="content-area"><main id="main" class="site-main">{items}{nav}</main></div>'
            f'<footer class="site-footer"><p>© VNCPC</p></footer></body></html>')


def mixed(n: int) -> str:
    """A listing of ``n`` WordPress items after a nested list of 60 other items (selectors with
    chains, ``*``, attributes and scopes have something to tell apart)."""
    rows = "".join(
        f'<li class="row r{i % 3}"><div class="box"><span class="t"><a class="lnk" href="/n/{i}">T {i}</a></span>'
        f'<em class="d" data-x="v{i % 2}">{i}/01/2025</em></div></li>' for i in range(60))
    extra = f'<div class="wrap"><section class="news"><ul class="list">{rows}</ul></section>' \
            '<a class="more" href="/n/page/2/">more</a></div>'
    return "<html><body>" + extra + listing(n).split('<body class="blog">', 1)[1]
