"""The audit log: who did what to which record, when and from where. Append-only.

``record`` adds a row to the current transaction, so the action and its audit row commit
together. Rows are never updated or deleted through the ORM (a flush that tries raises).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model, db
from portal.timeutil import utcnow

#: What each action is called on the audit page.
ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "created": "新建信息",
    "updated": "修改信息",
    "submitted": "提交审核",
    "published": "发布信息",
    "withdrawn": "撤回信息",
    "answer": "答复留言",
    "feedback_answer": "答复纠错",
    "publish": "公开留言",
    "unpublish": "取消公开留言",
    "extend": "延期答复",
    "request_supplement": "通知补正",
    "consult": "征求第三方意见",
    "resume": "恢复计时",
    "supplement_submitted": "申请人网上提交补正",
    "close": "办结申请",
    "register": "登记信函、传真或当面申请",
    "propose_disclosure": "转为主动公开草稿",
    "reveal": "查看完整个人信息",
    "report_figures": "填报年度报告复议诉讼数据",
    "annual_report_saved": "保存年度报告草稿",
    "annual_report_submitted": "提交年度报告审核",
    "annual_report_returned": "退回年度报告",
    "annual_report_published": "发布年度报告",
    "questions_set": "设置征集问题",
    "opinion_publish": "公开征集意见",
    "opinion_hide": "不公开征集意见",
    "opinion_adopt": "登记意见采纳情况",
    "result_publish": "公布征集结果",
    "purge": "清除到期个人信息",
    "restore": "从备份恢复数据",
    "due_date_refreshed": "按节假日安排重算答复期限",
    "org_created": "新建单位",
    "org_updated": "修改单位信息",
    "hotword_hidden": "隐藏热词",
    "hotword_shown": "恢复显示热词",
    "synonyms_created": "新建同义词组",
    "synonyms_updated": "修改同义词组",
    "synonyms_deleted": "删除同义词组",
    "wordcheck_acknowledged": "发布前确认错敏词",
    "wordcheck_word_added": "添加错敏词",
    "wordcheck_word_removed": "删除错敏词",
    "wordcheck_found": "已发布信息中发现新增的错敏词",
    "wordcheck_rechecked": "重新检查已发布信息的错敏词",
}
DETAIL_LABELS = {
    "revision": "版本",
    "title": "标题",
    "note": "说明",
    "username": "用户名",
    "department": "答复部门",
    "days": "延期天数",
    "approver": "批准人",
    "masked": "遮盖个人信息处数",
    "reason": "原因",
    "on": "日期",
    "outcome": "办理结果",
    "channel": "收到渠道",
    "fields": "查看的字段",
    "year": "年度",
    "figures": "填报数据",
    "count": "问题数",
    "decision": "采纳情况",
    "adopted": "采纳",
    "partly": "部分采纳",
    "rejected": "未采纳",
    "requests": "依申请公开（件）",
    "messages": "留言（条）",
    "feedback": "纠错（条）",
    "quarantined": "系统拦截（条）",
    "backup_created_at": "备份时间",
    "edited": "修改了公开文本",
    "before": "原期限",
    "after": "新期限",
    "code": "单位代码",
    "changed": "修改的字段",
    "word": "热词",
    "terms": "同义词",
    "reindexed": "重新索引的信息（条）",
    "words": "错敏词",
    "documents": "信息（篇）",
    "document_ids": "信息编号",
    "document": "信息编号",
    "found": "发现错敏词（处）",
    "unacknowledged": "未经确认（处）",
    "files": "文件（个）",
}
TARGET_TYPES = {
    "user": "账号",
    "document": "信息",
    "message": "留言",
    "request": "依申请公开",
    "feedback": "纠错",
    "report": "年度报告",
    "opinion": "征集意见",
    "system": "系统",
    "organisation": "单位",
    "search": "搜索热词",
    "synonyms": "同义词组",
    "wordcheck_word": "错敏词",
}


class AuditRecord(Model):
    """One action: actor, action, target, details, UTC time and the client's IP address."""

    __tablename__ = "audit_record"
    __table_args__ = (
        sa.Index("ix_audit_record_created_at", "created_at"),
        sa.Index("ix_audit_record_target_type_id", "target_type", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(40))
    target_type: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int]
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )

    def __repr__(self) -> str:
        return f"<AuditRecord {self.action} {self.target_type}#{self.target_id} by {self.actor}>"

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def detail_items(self) -> list[tuple[str, str]]:
        """The details as (Chinese label, value) pairs, for the audit page."""
        items = []
        for key, value in (self.detail or {}).items():
            shown = "、".join(map(str, value)) if isinstance(value, list) else str(value)
            items.append((DETAIL_LABELS.get(key, key), shown))
        return items

    @property
    def target_label(self) -> str:
        return TARGET_TYPES.get(self.target_type, self.target_type)


def client_ip() -> str | None:
    """The client's address (``X-Forwarded-For`` is honoured only via ``PORTAL_PROXY_COUNT``)."""
    return request.remote_addr if has_request_context() else None


def record(
    actor: str,
    action: str,
    target_type: str,
    target_id: int,
    *,
    org_id: int | None = None,
    **detail: Any,
) -> None:
    """Add an audit row to the current transaction (the caller commits); ``org_id`` is the
    organisation the action concerns (None: the platform itself, e.g. a sign-in)."""
    db.session.add(
        AuditRecord(
            actor=actor,
            organisation_id=org_id,
            action=action,
            target_type=target_type,
            target_id=target_id or 0,
            detail=detail,
            ip=client_ip(),
        )
    )


@sa.event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditRecord) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit records are append-only")
