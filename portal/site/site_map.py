"""The resident's site map (网站地图, ``/sitemap.html``): every section of an organisation's
site, grouped under headings. The machines' sitemap is ``/sitemap.xml`` (``opendata``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

from portal.documents import content_types
from portal.orgs import directory
from portal.orgs.directory import Org
from portal.site.identity import ABOUT_ENDPOINT, Link
from portal.timeutil import local_date, utcnow
from portal.web.orgroutes import has_org_variant


@dataclass(frozen=True)
class Section:
    heading: str
    links: tuple[Link, ...]


def sections(org: Org) -> list[Section]:
    """The sections of ``org``'s site, in the order of its navigation."""

    def link(label: str, endpoint: str, **values: Any) -> Link:
        if has_org_variant(endpoint):
            values["org_code"] = org.url_code
        return Link(label, url_for(endpoint, **values))

    year = local_date(utcnow()).year
    section = [
        link("政府信息公开", "disclosure.index"),
        link("政府信息公开指南", "disclosure.guide_page"),
        link("法定主动公开内容", "disclosure.catalog"),
        link("政府信息公开年报", "disclosure.annual"),
    ]
    disclosure = [link("首页", "public.home")]
    disclosure += [
        link(kind.label, "public.listing", kind=kind.name)
        for kind in content_types.REGISTRY.values()
    ]
    disclosure += [
        link(
            f"{year - 1} 年政府信息公开工作年度报告（统计）", "reports.annual_report", year=year - 1
        ),
        link(f"{year} 年政府信息公开工作年度报告（截至今日）", "reports.annual_report", year=year),
    ]
    interaction = [
        link("网友留言", "interaction.messages"),
        link("我要留言", "interaction.new_message"),
        link("依申请公开", "interaction.new_request"),
        link("报告页面错误（纠错）", "interaction.new_feedback"),
        link("办理查询", "interaction.track"),
    ]
    search = {} if org.is_home else {"org": org.code}
    services = [
        link("站内搜索", "search.results", **search),
        link("订阅更新（RSS/Atom）", "feeds.index"),
        link("开放数据", "opendata.index"),
        link("开放数据接口（API）", "api.index"),
    ]
    about = [link("机构概况", ABOUT_ENDPOINT), link("隐私声明", "site.privacy")]
    if directory.is_platform():
        about.append(link("机构导航", "public.organisations"))
    return [
        Section("政府信息公开", tuple(section)),
        Section("信息栏目", tuple(disclosure)),
        Section("互动交流", tuple(interaction)),
        Section("查询与订阅", tuple(services)),
        Section("关于本站", tuple(about)),
    ]
