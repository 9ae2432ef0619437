"""The main navigation: a few sections that say what residents come for, each with its pages.

Every page draws it twice from ``sections()``: on a phone as one 菜单 (a ``<details>``, so it
opens without JavaScript) and on a wide screen as a bar whose sections open their pages.
The full list of an organisation's pages is the site map (``site_map``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from portal.documents import content_types
from portal.orgs import directory
from portal.site.identity import ABOUT_ENDPOINT

#: Content kinds by the section they belong to (kinds not named go to 信息公开).
_INTERACTION_KINDS = ("consultation", "faq")
_SERVICE_KINDS = ("service",)


@dataclass(frozen=True)
class Item:
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class Section:
    label: str
    items: tuple[Item, ...]

    @property
    def current(self) -> bool:
        return any(item.current for item in self.items)


def _item(label: str, href: str, *, exact: bool = False) -> Item:
    path = request.path
    here = path == href if exact else path == href or (href != "/" and path.startswith(href))
    return Item(label, href, here)


def _kind(name: str) -> Item:
    return _item(content_types.get(name).label, url_for("public.listing", kind=name))


def sections() -> list[Section]:
    """首页 is a link of its own (``home()``); then these sections, in this order."""
    others = [
        name for name in content_types.REGISTRY if name not in _INTERACTION_KINDS + _SERVICE_KINDS
    ]
    disclosure = [_item("政府信息公开", url_for("disclosure.index"))]
    disclosure += [_kind(name) for name in others]
    interaction = [
        _item("网友留言", url_for("interaction.messages"), exact=True),
        _item("我要留言", url_for("interaction.new_message")),
        *(_kind(name) for name in _INTERACTION_KINDS if name in content_types.REGISTRY),
    ]
    services = [
        *(_kind(name) for name in _SERVICE_KINDS if name in content_types.REGISTRY),
        _item("依申请公开", url_for("interaction.new_request")),
        _item("办理查询", url_for("interaction.track")),
        _item("开放数据", url_for("opendata.index")),
    ]
    about = [_item("机构概况", url_for(ABOUT_ENDPOINT))]
    if directory.is_platform():
        about.append(_item("机构导航", url_for("public.organisations")))
    about.append(_item("网站地图", url_for("site.sitemap")))
    return [
        Section("信息公开", tuple(disclosure)),
        Section("互动交流", tuple(interaction)),
        Section("办事服务", tuple(services)),
        Section("机构概况", tuple(about)),
    ]


def home() -> Item:
    return _item("首页", url_for("public.home"), exact=True)
