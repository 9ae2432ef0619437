"""办事服务 (issue 17 §4): the ``service`` kind's 办事指南, its list page with the office's
service-hall facts, and the demo items marked 示例."""

from __future__ import annotations

import pytest

from portal.auth.actor import SYSTEM
from portal.documents import content_types
from portal.documents.loader import load_directory
from portal.orgs import directory
from portal.orgs import service as orgs_service
from tests.conftest import BASE_FIELDS, ROOT


def test_a_guide_shows_every_part_a_resident_needs(client, make_doc):
    make_doc(
        "service",
        slug="hukou",
        title="户口迁入办事指南",
        body="1. 取号\n2. 窗口受理",
        conditions="本市户籍居民\n符合迁入政策",
        materials="居民身份证\n户口簿",
        online_url="https://www.gdzwfw.gov.cn/",
    )
    html = client.get("/service/hukou").get_data(as_text=True)
    for text in (
        "设定依据",
        "《中华人民共和国政府信息公开条例》",
        "受理条件",
        "<li>本市户籍居民</li>",
        "申请材料",
        "<li>户口簿</li>",
        "办理地点",
        "街道党群服务中心一楼",
        "办理时间",
        "咨询电话",
        "收费标准",
        "不收费",
        "办理流程",
        'href="https://www.gdzwfw.gov.cn/"',
    ):
        assert text in html, text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "online_url",
            "javascript:alert(1)",
            "网上办理：应为以 https:// 或 http:// 开头的完整网址",
        ),
        ("online_url", "www.gdzwfw.gov.cn", "网上办理：应为以 https:// 或 http:// 开头的完整网址"),
        ("place", "", "办理地点：必填"),
        ("materials", "材" * 5001, "申请材料：不能超过 5000 个字"),
    ],
)
def test_bad_guides_are_refused_naming_the_field(field, value, message):
    _cleaned, errors = content_types.validate(
        "service", {"title": "指南", "topic": "民生服务", **BASE_FIELDS["service"], field: value}
    )
    assert errors[field] == message


def test_the_list_page_gives_the_service_hall_facts(client, make_doc):
    make_doc("service", slug="hukou", title="户口迁入办事指南")
    orgs_service.update(
        SYSTEM,
        directory.home().code,
        address="深圳市罗湖区东晓路 1 号",
        office_hours="工作日 9:00—18:00",
        phone="0755-12345678",
    )
    html = client.get("/service/").get_data(as_text=True)
    assert "办事大厅" in html and "深圳市罗湖区东晓路 1 号" in html
    assert "工作日 9:00—18:00" in html and "0755-12345678" in html
    assert 'href="/about/#contact"' in html and "户口迁入办事指南" in html
    assert "办事服务" in client.get("/").get_data(as_text=True)  # in the main navigation


def test_the_demo_guides_load_and_are_marked_as_examples(ctx, client):
    report = load_directory(ROOT / "content")
    assert report.failed == 0, report.errors
    html = client.get("/service/").get_data(as_text=True)
    for title in ("便民服务中心", "一件事一次办", "全市域通办"):
        assert title in html
    assert html.count("badge-demo") >= 3
