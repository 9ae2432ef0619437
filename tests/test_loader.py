"""``flask content load``: idempotent, one clear line per bad file, good files still load."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.documents import loader
from portal.documents.models import Attachment, Document, DocumentRevision
from portal.extensions import db
from tests.conftest import ROOT

GOOD_NEWS = """---
title: 东晓街道开展普法宣传活动
summary: 全年开展各类普法宣传活动60多场次。
topic: 法治建设
tags: [普法]
published_at: 2024-06-01
---
全年开展各类普法宣传活动**60多场次**。
"""

GOOD_POLICY = """---
title: 东晓街道综合行政执法风险防控制度
topic: 法治建设
published_at: 2024-04-02
doc_number: 深罗东办〔2024〕3号
issued_on: 2024-03-28
validity: 有效
attachments:
  - title: 制度全文
    file: files/zhidu.txt
---
第一条 为规范执法行为，制定本制度。
"""


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write(root, "news/pufa.md", GOOD_NEWS)
    write(root, "policy/fengxian.md", GOOD_POLICY)
    write(root, "files/zhidu.txt", "第一条 为规范执法行为，制定本制度。\n")
    return root


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_load_creates_then_second_run_changes_nothing(ctx, site):
    first = loader.load_directory(site)
    assert (first.created, first.updated, first.failed) == (2, 0, 0)
    second = loader.load_directory(site)
    assert (second.created, second.updated, second.unchanged, second.failed) == (0, 0, 2, 0)
    assert count(DocumentRevision) == 4  # created + published, once each


def test_loaded_document_is_published_with_generated_index_number(ctx, site, app):
    loader.load_directory(site)
    doc = db.session.scalar(sa.select(Document).where(Document.slug == "fengxian"))
    assert doc.status == "published"
    assert doc.extra == {
        "doc_number": "深罗东办〔2024〕3号",
        "issued_on": "2024-03-28",
        "validity": "有效",
    }
    code = app.config["ORG_CREDIT_CODE"]
    assert doc.index_no.startswith(f"{code}/")
    assert doc.index_no.rsplit("-", 1)[1].isdigit() and len(doc.index_no.rsplit("-", 1)[1]) == 5
    assert doc.attachments[0].size == len("第一条 为规范执法行为，制定本制度。\n".encode())
    assert "<strong>60多场次</strong>" in db.session.scalar(
        sa.select(Document.body_html).where(Document.slug == "pufa")
    )


def test_changed_file_is_updated_keeping_index_number(ctx, site):
    loader.load_directory(site)
    before = db.session.scalar(sa.select(Document.index_no).where(Document.slug == "pufa"))
    write(site, "news/pufa.md", GOOD_NEWS.replace("60多场次", "六十多场次"))
    report = loader.load_directory(site)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    doc = db.session.scalar(sa.select(Document).where(Document.slug == "pufa"))
    assert "六十多场次" in doc.body and doc.index_no == before
    assert [r.action for r in doc.revisions] == ["created", "published", "updated"]


@pytest.mark.parametrize(
    ("relative", "text", "expected"),
    [
        ("news/broken-yaml.md", "---\ntitle: [未闭合\ntopic: 法治建设\n---\n正文", "YAML 格式错误"),
        ("bulletin/unknown-kind.md", GOOD_NEWS, "未知的信息类型目录 bulletin"),
        (
            "news/no-title.md",
            GOOD_NEWS.replace("title: 东晓街道开展普法宣传活动\n", ""),
            "字段 title（标题）：必填",
        ),
        (
            "news/bad-topic.md",
            GOOD_NEWS.replace("topic: 法治建设", "topic: 娱乐"),
            "字段 topic（主题分类）",
        ),
        (
            "news/bad-date.md",
            GOOD_NEWS.replace("2024-06-01", "2024-13-45"),
            "字段 published_at（发布日期）",
        ),
        (
            "policy/no-number.md",
            GOOD_POLICY.replace("doc_number: 深罗东办〔2024〕3号\n", ""),
            "字段 doc_number（发文字号）：必填",
        ),
        (
            "policy/bad-issued.md",
            GOOD_POLICY.replace("issued_on: 2024-03-28", "issued_on: 去年"),
            "字段 issued_on（成文日期）",
        ),
        (
            "policy/bad-validity.md",
            GOOD_POLICY.replace("validity: 有效", "validity: 大概有效"),
            "字段 validity（有效性）",
        ),
        ("news/typo-field.md", GOOD_NEWS.replace("tags:", "tagz:"), "字段 tagz"),
        ("news/Bad_Slug.md", GOOD_NEWS, "字段 slug"),
        (
            "policy/missing-file.md",
            GOOD_POLICY.replace("files/zhidu.txt", "files/none.pdf"),
            "找不到文件",
        ),
        ("news/no-front-matter.md", "只有正文", "缺少 YAML 头部"),
    ],
)
def test_bad_file_gets_one_line_naming_file_and_field(ctx, site, relative, text, expected):
    write(site, relative, text)
    report = loader.load_directory(site)
    assert report.failed == 1
    assert report.created == 2  # the good files still load
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"content/{relative}: ")
    assert expected in report.errors[0]
    assert count(Document) == 2  # nothing of the bad file was written


def test_duplicate_slug_fails_only_the_second_file(ctx, site):
    write(site, "news/pufa-copy.md", GOOD_NEWS.replace("---\ntitle", "---\nslug: pufa\ntitle", 1))
    report = loader.load_directory(site)
    assert report.failed == 1 and report.created == 2
    assert "字段 slug" in report.errors[0] and "重复" in report.errors[0]


def test_failure_midway_writes_nothing_of_that_file(ctx, site):
    # Valid on its own, but its 索引号 clashes with a document already loaded.
    loader.load_directory(site)
    taken = db.session.scalar(sa.select(Document.index_no).where(Document.slug == "pufa"))
    write(
        site, "news/clash.md", GOOD_NEWS.replace("---\ntitle", f"---\nindex_no: {taken}\ntitle", 1)
    )
    report = loader.load_directory(site)
    assert report.failed == 1 and "索引号" in report.errors[0]
    assert count(Document) == 2
    assert count(Attachment) == 1


def test_cli_reports_and_exits_non_zero_on_failure(runner, site):
    result = runner.invoke(args=["content", "load", str(site)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0, failed 0" in result.output
    write(site, "news/broken.md", "---\ntitle: : :\n---\n")
    result = runner.invoke(args=["content", "load", str(site)])
    assert result.exit_code == 1
    assert "created 0, updated 0, unchanged 2, failed 1" in result.output
    assert "content/news/broken.md" in result.output


def test_demo_content_loads_completely(ctx):
    report = loader.load_directory(ROOT / "content")
    assert report.failed == 0, report.errors
    counts = dict(
        db.session.execute(sa.select(Document.kind, sa.func.count()).group_by(Document.kind)).all()
    )
    assert counts["report"] == 1
    assert counts["news"] >= 12
    assert counts["faq"] >= 10
    assert counts["notice"] >= 6
    assert counts["policy"] >= 3
    assert counts["enforcement"] >= 12
    assert counts["finance"] == 2
    assert counts["consultation"] == 2
    subtypes = {
        d.extra["subtype"]
        for d in db.session.scalars(sa.select(Document).where(Document.kind == "enforcement"))
    }
    assert subtypes == {"行政处罚", "行政检查", "双随机一公开"}


def test_search_index_follows_a_load_in_one_go(ctx, site):
    from portal import search
    from portal.documents import publishing

    heard: list[int] = []

    def listener(sender, changes):
        heard.append(len(changes))

    with publishing.changes_committed.connected_to(listener):
        loader.load_directory(site)
    assert heard == [4]  # two documents, each created and published, announced once
    assert {hit.document.slug for hit in search.search("普法").hits} == {"pufa"}
    assert search.verify().ok
