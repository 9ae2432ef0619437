"""The site's identity in every footer (国办发〔2017〕47号), the privacy statement and the
resident's site map, at the root and under ``/org/<code>/``."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from portal import timeutil
from portal.auth.actor import SYSTEM
from portal.documents import content_types
from portal.orgs import directory, service
from portal.site.identity import badge_file, psb_digits
from portal.site.privacy_notice import format_days
from tests.test_platform import add_org

ALL_ITEMS = {
    "SITE_OPERATOR": "深圳市罗湖区政务服务和数据管理局",
    "SITE_CODE": "4403030012",
    "ICP_NO": "粤ICP备12345678号-1",
    "PSB_NO": "粤公网安备 44030302000123号",
    "CONAC_URL": "https://bszs.conac.cn/sitename?method=show&id=ABCDEF",
    "ERROR_REPORT_URL": "https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteInfo.action?websiteid=4403030012",
}


def png() -> bytes:
    """A valid 1 x 1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xc8\x10\x2e")
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def badge(tmp_path: Path) -> Path:
    path = tmp_path / "conac.png"
    path.write_bytes(png())
    return path


@pytest.fixture
def cuizhu(app):
    """A second organisation with contact facts, on a platform."""
    with app.app_context():
        add_org("cuizhu", "翠竹街道", 1)
        service.update(SYSTEM, "cuizhu", address="深圳市罗湖区翠竹路 1 号", phone="0755-12345678")
        directory.forget()
        return directory.by_code("cuizhu")


def footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">') :]


def links(html: str) -> dict[str, str]:
    """Link text → href of the footer's 网站信息 links."""
    nav = footer(html).split('aria-label="网站信息"', 1)[1].split("</nav>", 1)[0]
    return {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)}


def contact_href(app, code: str | None) -> str:
    """联系我们: the contacts on the organisation's 机构概况 page."""
    prefix = f"/org/{code}" if code else ""
    return f"{prefix}/about/#contact"


def test_every_footer_item_is_shown_when_configured(app, client, badge, cuizhu):
    app.config.update(ALL_ITEMS, CONAC_BADGE=str(badge))
    html = footer(client.get("/news/").get_data(as_text=True))
    assert "主办单位：深圳市罗湖区东晓街道办事处" in html
    assert "承办单位：深圳市罗湖区政务服务和数据管理局" in html
    assert "网站标识码：4403030012" in html
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">粤ICP备12345678号-1</a>' in html
    psb = "https://beian.mps.gov.cn/#/query/webSearch?code=44030302000123"
    assert f'<a href="{psb}" rel="noopener">粤公网安备 44030302000123号</a>' in html
    conac = ALL_ITEMS["CONAC_URL"].replace("&", "&amp;")
    img = r'<img src="/site-badge" alt="党政机关网站标识[^"]*"'
    assert re.search(rf'<a href="{re.escape(conac)}" rel="noopener">{img}', html)
    assert links(html) == {
        "网站地图": "/sitemap.html",
        "隐私声明": "/privacy",
        "联系我们": contact_href(app, None),
        "我为政府网站找错": ALL_ITEMS["ERROR_REPORT_URL"].replace("&", "&amp;"),
    }
    # the lines that were there before stay
    assert 'href="/feeds/"' in html and 'href="/open-data/"' in html and "示例" in html
    assert 'id="text-size-help"' in html

    with client.get("/site-badge") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
        assert image.data == png()
        assert image.cache_control.public and image.cache_control.max_age == 86400
    with client.get("/site-badge", headers={"If-None-Match": image.headers["ETag"]}) as again:
        assert again.status_code == 304

    # another organisation's pages: the platform sponsors the site, the page is in that
    # organisation's 专栏, and its links stay there
    other = footer(client.get("/org/cuizhu/news/").get_data(as_text=True))
    assert "主办单位：深圳市罗湖区东晓街道办事处" in other
    assert "本专栏：深圳市罗湖区翠竹街道办事处" in other
    assert links(other)["网站地图"] == "/org/cuizhu/sitemap.html"
    assert links(other)["隐私声明"] == "/org/cuizhu/privacy"
    assert links(other)["联系我们"] == contact_href(app, "cuizhu")
    assert '<img src="/site-badge"' in other


def test_no_identity_item_is_shown_when_unset(app, client):
    html = footer(client.get("/").get_data(as_text=True))
    for absent in (
        "承办单位",
        "网站标识码",
        "beian.miit.gov.cn",
        "beian.mps.gov.cn",
        "党政机关网站标识",
        "/site-badge",
        "我为政府网站找错",
    ):
        assert absent not in html, absent
    assert "主办单位：深圳市罗湖区东晓街道办事处" in html
    assert "本专栏" not in html
    assert links(html) == {
        "网站地图": "/sitemap.html",
        "隐私声明": "/privacy",
        "联系我们": "/about/#contact",
    }


def test_a_public_security_number_without_digits_is_shown_unlinked(app, client):
    app.config["PSB_NO"] = "备案中"
    html = footer(client.get("/").get_data(as_text=True))
    assert "<li>备案中</li>" in html and "beian.mps.gov.cn" not in html


@pytest.mark.parametrize(
    "settings",
    [
        {},  # nothing configured
        {"CONAC_URL": ALL_ITEMS["CONAC_URL"]},  # the link without an image
        {"CONAC_URL": ALL_ITEMS["CONAC_URL"], "CONAC_BADGE": "missing.png"},  # no such file
        {"CONAC_BADGE": "BADGE"},  # the image without its verification link
        {"CONAC_URL": ALL_ITEMS["CONAC_URL"], "CONAC_BADGE": "SVG"},  # not a served type
    ],
)
def test_the_badge_is_404_and_not_shown_unless_image_and_link_are_there(
    app, client, badge, settings
):
    values = dict(settings)
    if values.get("CONAC_BADGE") == "BADGE":
        values["CONAC_BADGE"] = str(badge)
    elif values.get("CONAC_BADGE") == "SVG":
        svg = badge.with_suffix(".svg")
        svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
        values["CONAC_BADGE"] = str(svg)
    app.config.update(values)
    assert client.get("/site-badge").status_code == 404
    assert "/site-badge" not in client.get("/").get_data(as_text=True)


def test_a_relative_badge_path_is_in_the_instance_folder(app, client, tmp_path):
    (tmp_path / "identity").mkdir()
    (tmp_path / "identity" / "conac.PNG").write_bytes(png())
    app.instance_path = str(tmp_path)
    app.config.update(CONAC_BADGE="identity/conac.PNG", CONAC_URL=ALL_ITEMS["CONAC_URL"])
    assert badge_file(app.config, app.instance_path) == tmp_path / "identity" / "conac.PNG"
    with client.get("/site-badge") as response:
        assert response.status_code == 200 and response.mimetype == "image/png"


def test_psb_digits_and_periods_in_years():
    assert psb_digits("粤公网安备 44030302000123号") == "44030302000123"
    assert psb_digits("备案中") == ""
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
def test_no_page_of_the_site_fails(app, client, make_doc, badge, cuizhu, prefix):
    app.config.update(ALL_ITEMS, CONAC_BADGE=str(badge))
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
        assert 'aria-label="网站信息"' in response.get_data(as_text=True), prefix + page
    for page in ("/track", "/search?q=测试", "/feeds/", "/open-data/", "/site-badge"):
        with client.get(page) as response:
            assert response.status_code == 200, page
    missing = client.get(prefix + "/no-such-page/x")
    assert missing.status_code == 404 and "隐私声明" in missing.get_data(as_text=True)
