"""The privacy statement and the resident's site map, at the root and under
``/org/<code>/``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import timeutil
from portal.auth.actor import SYSTEM
from portal.documents import content_types
from portal.orgs import directory, service
from portal.site.privacy_notice import format_days
from tests.test_platform import add_org


@pytest.fixture
def cuizhu(app):
    """A second organisation with contact facts, on a platform."""
    with app.app_context():
        add_org("cuizhu", "翠竹街道", 1)
        service.update(SYSTEM, "cuizhu", address="深圳市罗湖区翠竹路 1 号", phone="0755-12345678")
        directory.forget()
        return directory.by_code("cuizhu")


def test_periods_in_years_where_exact():
    assert [format_days(d) for d in (365, 366, 730, 1461, 1826, 1827)] == [
        "1 年",
        "1 年",
        "2 年",
        "4 年",
        "5 年",
        "5 年",
    ]
    assert [format_days(d) for d in (0, 90, 364, 1825, 1828)] == [
        "0 天",
        "90 天",
        "364 天",
        "1825 天",
        "1828 天",
    ]


def test_privacy_statement_shows_the_retention_settings(app, client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "<h1>隐私声明</h1>" in html
    assert "个人信息保护法》第十七条" in html
    for form in ("/messages/new", "/requests/new", "/track"):
        assert f'href="{form}"' in html
    assert "申请办结后 5 年" in html and "答复后 1 年" in html and "收到后 90 天" in html
    assert "不保存网络地址" in html and "记录保存 90 天" in html and "session" in html
    assert "处理者" in html and "深圳市罗湖区东晓街道办事处" in html

    app.config.update(
        RETENTION_REQUEST_DAYS=731, RETENTION_MESSAGE_DAYS=180, RETENTION_QUARANTINE_DAYS=30
    )
    changed = client.get("/privacy").get_data(as_text=True)
    assert "申请办结后 2 年" in changed and "答复后 180 天" in changed
    assert "收到后 180 天" in changed and "收到后 30 天" in changed
    assert "5 年" not in changed


def test_each_organisation_has_its_privacy_statement_with_its_contacts(client, cuizhu):
    response = client.get("/org/cuizhu/privacy")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert "深圳市罗湖区翠竹街道办事处" in main and "东晓街道办事处" not in main
    contact = main.split('id="contact"', 1)[1]
    assert "深圳市罗湖区翠竹路 1 号" in contact and "0755-12345678" in contact
    assert 'href="/org/cuizhu/messages/new"' in main and 'href="/org/cuizhu/requests/new"' in main
    # the home organisation has no contact facts: its residents are sent to a message
    home = client.get("/privacy").get_data(as_text=True).split('id="contact"', 1)[1]
    assert 'href="/messages/new"' in home and "0755-12345678" not in home


def test_every_resident_form_links_the_privacy_statement(client, make_doc, cuizhu):
    today = timeutil.today()
    make_doc(
        "consultation",
        slug="open",
        opens_on=(today - timedelta(days=1)).isoformat(),
        closes_on=(today + timedelta(days=10)).isoformat(),
    )
    make_doc(
        "consultation",
        slug="theirs",
        org="cuizhu",
        opens_on=(today - timedelta(days=1)).isoformat(),
        closes_on=(today + timedelta(days=10)).isoformat(),
    )
    line = re.compile(r'提交即表示您已阅读<a href="([^"]+)">《隐私声明》</a>')
    for url, privacy in (
        ("/messages/new", "/privacy"),
        ("/requests/new", "/privacy"),
        ("/consultation/open", "/privacy"),
        ("/org/cuizhu/messages/new", "/org/cuizhu/privacy"),
        ("/org/cuizhu/requests/new", "/org/cuizhu/privacy"),
        ("/org/cuizhu/consultation/theirs", "/org/cuizhu/privacy"),
    ):
        html = client.get(url).get_data(as_text=True)
        found = line.search(html)
        assert found is not None and found.group(1) == privacy, url
        # beside the submit button, inside the form, opening in the same tab
        form = html.split('class="resident-form"', 1)[1].split("</form>", 1)[0]
        assert found.group(0) in form and 'type="submit"' in form.split(found.group(0), 1)[1]
        assert 'target="_blank"' not in form


def test_the_site_map_lists_every_section(app, client):
    html = client.get("/sitemap.html").get_data(as_text=True)
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    hrefs = set(re.findall(r'href="([^"]+)"', main))
    kinds = {f"/{name}/" for name in content_types.REGISTRY}
    assert kinds <= hrefs
    for kind in content_types.REGISTRY.values():
        assert f'<a href="/{kind.name}/">{kind.label}</a>' in main
    year = timeutil.today().year
    assert {
        "/",
        "/messages/",
        "/messages/new",
        "/requests/new",
        "/track",
        "/search",
        "/feeds/",
        "/open-data/",
        "/privacy",
        f"/reports/annual/{year - 1}",
        f"/reports/annual/{year}",
    } <= hrefs
    assert "/orgs/" not in hrefs  # one office: no 机构导航
    assert main.count("<h2") >= 3


def test_an_organisations_site_map_stays_in_its_section(client, cuizhu):
    main = client.get("/org/cuizhu/sitemap.html").get_data(as_text=True)
    main = main.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    hrefs = set(re.findall(r'href="([^"]+)"', main))
    assert {f"/org/cuizhu/{name}/" for name in content_types.REGISTRY} <= hrefs
    assert {
        "/org/cuizhu/",
        "/org/cuizhu/messages/",
        "/org/cuizhu/privacy",
        "/search?org=cuizhu",
        "/orgs/",
    } <= hrefs
    assert "深圳市罗湖区翠竹街道办事处" in main
    assert "/orgs/" in client.get("/sitemap.html").get_data(as_text=True)


@pytest.mark.parametrize("prefix", ["", "/org/cuizhu"])
def test_no_page_of_the_site_fails(client, make_doc, cuizhu, prefix):
    for kind in content_types.REGISTRY:
        make_doc(kind, slug=f"{kind}-x", org="cuizhu" if prefix else None)
    pages = [
        "/",
        "/privacy",
        "/sitemap.html",
        "/messages/",
        "/messages/new",
        "/requests/new",
        *(f"/{kind}/" for kind in content_types.REGISTRY),
        *(f"/{kind}/{kind}-x" for kind in content_types.REGISTRY),
    ]
    for page in pages:
        response = client.get(prefix + page)
        assert response.status_code == 200, prefix + page
    for page in ("/track", "/search?q=测试", "/feeds/", "/open-data/"):
        assert client.get(page).status_code == 200, page
