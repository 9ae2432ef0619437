"""Every mail the portal sends a resident, built in this one place: a Chinese plain-text
body and the same in HTML.

A mail names the item by its tracking number and links to ``/track`` (absolute, under
``PORTAL_BASE_URL``). It holds no other personal data — no name, no phone, not what the
resident wrote, not the office's reply — so a mail read by someone else tells them
nothing but that something moved. The query code is written only into the receipt of a
new item and into the mail that re-issues a lost code (``carries_code``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

from flask import current_app, has_request_context, request
from markupsafe import Markup, escape

#: What the resident sent, as the mail names it.
ITEM_NAMES = {
    "message": "留言",
    "request": "政府信息公开申请",
    "feedback": "纠错",
    "opinion": "意见",
}

#: Event → (subject, the sentence that says what happened). ``{what}`` is the item's name.
EVENTS: dict[str, tuple[str, str]] = {
    "received": ("已收到您的{what}", "我们已收到您的{what}，将按规定时限办理。"),
    "supplement_asked": (
        "请补正您的{what}",
        "办理机关需要您补充或更正申请内容（补正）。补正期间答复期限暂停计算，"
        "请凭查询编号和查询码在查询页面查看补正要求。",
    ),
    "supplement_received": (
        "已收到您的补正",
        "办理机关已收到您的补正，答复期限自收到补正之日起重新计算。",
    ),
    "extended": ("{what}答复期限已延长", "经批准，您的{what}答复期限已延长。"),
    "consultation_started": (
        "{what}正在征求第三方意见",
        "您的{what}涉及第三方权益，办理机关正在征求第三方意见，所需时间不计入答复期限。",
    ),
    "consultation_ended": ("{what}恢复办理", "第三方意见征求已结束，答复期限恢复计算。"),
    "answered": ("您的{what}已答复", "您的{what}已有答复，请在查询页面查看。"),
    "closed": ("您的{what}已办结", "您的{what}已办结，请在查询页面查看答复。"),
    "published": ("您的{what}已公开", "您的{what}已在网站公开（个人信息已隐去）。"),
    "code_reissued": (
        "您的{what}的新查询码",
        "我们收到了用您的查询编号找回查询码的申请，下面是新的查询码，请在 30 天内使用。"
        "用新查询码查询一次后，原查询码即失效；在此之前原查询码仍然有效。"
        "如果不是您本人申请，可以忽略此邮件。",
    ),
}


#: The only events whose mail may hold the query code.
CODE_EVENTS = frozenset({"received", "code_reissued"})


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def base_url() -> str:
    """The portal's public address: ``PORTAL_BASE_URL``, else the host of this request,
    else where ``python app.py`` listens."""
    base = current_app.config.get("BASE_URL") or ""
    if not base and has_request_context():
        base = request.host_url
    if not base:
        base = f"http://{current_app.config['HOST']}:{current_app.config['PORT']}/"
    return base.rstrip("/") + "/"


def absolute(path: str) -> str:
    return urljoin(base_url(), path.lstrip("/"))


def build(
    item_type: str,
    event: str,
    *,
    tracking_no: str | None,
    organisation: str,
    link: str | None = None,
    code: str | None = None,
    due: date | None = None,
) -> Mail:
    """The mail about ``event`` of an item. ``link`` defaults to ``/track``; ``code`` is
    written only for ``CODE_EVENTS``; ``due`` is the answer's due date
    (not personal data) when the event changed it."""
    code = code if event in CODE_EVENTS else None
    what = ITEM_NAMES[item_type]
    subject_format, sentence_format = EVENTS[event]
    site = current_app.config["SITE_NAME"]
    subject = f"【{site}】" + subject_format.format(what=what)
    if tracking_no:
        subject += f"（{tracking_no}）"
    sentence = sentence_format.format(what=what)
    url = absolute(link or "/track")
    lines: list[tuple[str, str]] = []  # (label, value)
    if tracking_no:
        lines.append(("查询编号", tracking_no))
    if code:
        lines.append(("查询码", code))
    if due:
        lines.append(("答复期限", f"{due.year}年{due.month}月{due.day}日"))
    action = "查询办理进度" if tracking_no else "查看"
    note = "查询码请妥善保管，工作人员不会向您索要。" if code else ""
    footer = f"此邮件由系统自动发送，请勿回复。{organisation}"
    text = "\n".join(
        [
            "您好：",
            "",
            sentence,
            "",
            *[f"{label}：{value}" for label, value in lines],
            *([""] if lines else []),
            f"{action}：{url}",
            *([note] if note else []),
            "",
            footer,
        ]
    )
    html = _html(sentence, lines, action, url, note, footer)
    return Mail(subject, text + "\n", html)


def _html(
    sentence: str, lines: list[tuple[str, str]], action: str, url: str, note: str, footer: str
) -> str:
    rows = Markup("").join(
        Markup("<tr><th scope='row'>{}</th><td><strong>{}</strong></td></tr>").format(label, value)
        for label, value in lines
    )
    table = Markup("<table>{}</table>").format(rows) if lines else Markup("")
    parts = [
        Markup('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'),
        Markup("<p>您好：</p><p>{}</p>").format(sentence),
        table,
        Markup('<p>{}：<a href="{}">{}</a></p>').format(action, url, url),
        Markup("<p>{}</p>").format(note) if note else Markup(""),
        Markup("<p><small>{}</small></p></body></html>").format(footer),
    ]
    return str(escape(Markup("").join(parts)))
