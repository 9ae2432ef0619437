"""What the privacy statement (隐私声明, 个人信息保护法第十七条) says about keeping data: the
retention schedule of ``docs/retention.md``, computed from the same settings
(``PORTAL_RETENTION_*``) that ``flask purge`` applies, and the search log's fixed periods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.search import hotwords

#: Fixed by deployment (docs/deploy.md), not by a setting: how long backups and server
#: logs keep what the purge removed.
BACKUP_DAYS = 30
SERVER_LOG_DAYS = 30


@dataclass(frozen=True)
class Period:
    """One entry of the schedule: where the data comes from, which data, how long it is
    kept, and what happens then."""

    source: str
    data: str
    kept: str
    then: str


def format_days(days: int) -> str:
    """A period as a resident reads it: whole years where the days are exactly that many
    years of the calendar (365 → 1 年, 1826 → 5 年: five years hold one or two leap days),
    otherwise days (90 → 90 天, 1825 → 1825 天)."""
    years = days // 365
    leap_days = days - 365 * years
    if years >= 1 and years // 4 <= leap_days <= -(-years // 4):
        return f"{years} 年"
    return f"{days} 天"


def search_log_days() -> int:
    return hotwords.KEEP.days


def search_salt_days() -> int:
    return hotwords.PERIOD.days


def schedule(config: Mapping[str, Any]) -> list[Period]:
    """How long each kind of personal data is kept, from the app's settings."""
    request = format_days(int(config["RETENTION_REQUEST_DAYS"]))
    message = format_days(int(config["RETENTION_MESSAGE_DAYS"]))
    quarantine = format_days(int(config["RETENTION_QUARANTINE_DAYS"]))
    return [
        Period(
            "政府信息公开申请",
            "申请人的姓名或名称、证件号码、联系电话、电子邮箱、通信地址，网上提交的补正材料",
            f"申请办结后 {request}",
            "删除申请人信息和申请的全部文件（补正材料、答复文件），申请内容、补正内容和答复中的"
            "个人信息遮盖；申请记录和办理时限保留，"
            "用于年度报告统计。纸质或正式案卷按档案管理规定另行归档保管",
        ),
        Period(
            "网友留言",
            "姓名、联系方式",
            f"答复后 {message}",
            "删除姓名和联系方式，留言原文中的个人信息遮盖；已公开的留言（已去除个人信息）继续公开",
        ),
        Period(
            "报告页面错误（纠错）",
            "联系方式",
            f"答复后 {message}",
            "删除联系方式，问题描述和答复中的个人信息遮盖；错误类型、页面和办理时间保留",
        ),
        Period(
            "征集调查意见",
            "姓名、联系方式",
            f"收到后 {message}",
            "删除姓名和联系方式，意见原文中的个人信息遮盖；已公开的意见（已去除个人信息）继续公开",
        ),
        Period(
            "办理进度通知邮件",
            "收件电子邮箱（即上述各项中填写的电子邮箱）和邮件内容",
            "邮件发出或放弃发送前",
            "收件地址只保留遮盖后的形式（如 z***@example.com），含查询码的邮件正文删除；"
            "所属事项的个人信息到期删除时，邮件记录一并删除",
        ),
        Period(
            "被系统拦截的提交",
            "疑似自动程序发送的留言、申请、纠错或意见的全部内容",
            f"收到后 {quarantine}",
            "全部内容删除",
        ),
        Period(
            "站内搜索",
            "搜索词和无法还原的访问者代码",
            f"{format_days(search_log_days())}",
            "删除",
        ),
        Period(
            "尚未办结的申请、尚未答复的留言和纠错",
            "上述各项信息",
            "办理期间",
            "按上述期限处理",
        ),
        Period(
            "系统备份",
            "上述各项信息的备份副本",
            f"{format_days(BACKUP_DAYS)}",
            "随备份轮换删除，上述已删除的信息在此期限内也从备份中消失",
        ),
        Period(
            "服务器访问日志",
            "截短的网络地址段（不记录完整地址）和访问的页面",
            f"{format_days(SERVER_LOG_DAYS)}",
            "删除",
        ),
    ]
