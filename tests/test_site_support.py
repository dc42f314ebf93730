import httpx


def test_fixture_site_serves_and_answers_conditional_get(site):
    site.add("/a", "<p>xin chào</p>")
    r = httpx.get(site.url("/a"))
    assert r.status_code == 200 and "xin chào" in r.text
    r2 = httpx.get(site.url("/a"), headers={"If-None-Match": r.headers["etag"]})
    assert r2.status_code == 304
    assert site.hits("/a") == 2
