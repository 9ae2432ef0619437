"""Search on a real two-node SolrCloud: consistency with the database, and faults.

Every test here runs on Solr (``pytest -k solr``); the behaviour both backends share is in
``tests/test_search_backends.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import sqlalchemy as sa

from portal import search
from portal.changelog import DocumentChange
from portal.documents import publishing
from portal.extensions import db
from portal.search import solr_admin
from portal.search.schema import org_codes
from portal.search.solr import SolrBackend, solr_fields
from tests.actors import staff


@pytest.fixture
def search_config(solr_url: str) -> dict[str, Any]:
    return {"SEARCH_BACKEND": "solr", "SOLR_URL": solr_url}


def backend(app) -> SolrBackend:
    found = app.extensions["portal.search"]
    assert isinstance(found, SolrBackend)
    return found


def titles(q: str, **options: Any) -> list[str]:
    return [hit.document.title for hit in search.search(q, **options).hits]


def test_solr_publish_update_withdraw_follow_in_search(app, ctx, make_doc):
    doc = make_doc(title="关于违法建筑专项整治的通知")
    assert titles("违法建筑") == ["关于违法建筑专项整治的通知"]
    publishing.update(doc, {"title": "关于垃圾分类工作的通知"}, actor=staff("test"))
    db.session.commit()
    assert titles("违法建筑") == []
    assert titles("垃圾分类") == ["关于垃圾分类工作的通知"]
    publishing.withdraw(doc, reason="信息已过时", actor=staff("test"))
    db.session.commit()
    assert titles("垃圾分类") == []
    assert backend(app).verify().ok


def test_solr_an_older_update_arriving_late_never_overwrites_a_newer_one(app, ctx, make_doc):
    doc = make_doc(title="关于违法建筑专项整治的通知")
    old = solr_fields(doc, org_codes(db.session()), change_id=1)  # as a slow worker read it
    publishing.update(doc, {"title": "关于垃圾分类工作的通知"}, actor=staff("test"))
    db.session.commit()
    newest = db.session.scalar(sa.select(sa.func.max(DocumentChange.id)))
    assert newest > 1
    solr = backend(app)
    solr.client.request("POST", "/update", params={"softCommit": "true"}, json=[old])
    search.query._cache.data.clear()
    assert titles("垃圾分类") == ["关于垃圾分类工作的通知"]
    assert titles("违法建筑") == []
    # A delete that is older than what Solr holds is ignored as well.
    solr.client.request(
        "POST",
        "/update",
        params={"del_version": 1, "softCommit": "true"},
        json={"delete": {"id": str(doc.id)}},
    )
    search.query._cache.data.clear()
    assert titles("垃圾分类") == ["关于垃圾分类工作的通知"]


def test_solr_a_withdrawn_document_never_appears_even_before_sync(app, ctx, make_doc, monkeypatch):
    doc = make_doc(title="关于违法建筑专项整治的通知")
    assert titles("违法建筑")
    monkeypatch.setattr(SolrBackend, "sync", lambda self, **kw: 0)  # Solr falls behind
    publishing.withdraw(doc, reason="信息已过时", actor=staff("test"))
    db.session.commit()
    search.query._cache.data.clear()
    assert titles("违法建筑") == []


def test_solr_search_keeps_answering_with_one_node_down(app, ctx, make_doc, solr_cluster):
    make_doc(title="关于违法建筑专项整治的通知")
    solr_cluster.stop_node(0)
    try:
        search.query._cache.data.clear()
        assert titles("违法建筑") == ["关于违法建筑专项整治的通知"]
        make_doc(title="关于垃圾分类工作的通知")  # and publishing reaches the other node
        assert titles("垃圾分类") == ["关于垃圾分类工作的通知"]
    finally:
        solr_cluster.start_node(0)


def test_solr_unreachable_search_says_so_and_publishing_goes_on(app, client, make_doc):
    unreachable = "http://127.0.0.1:9/solr/portal_test"  # the discard port: nothing listens
    app.extensions["portal.search"] = SolrBackend(unreachable)
    with app.app_context():
        make_doc(title="关于违法建筑专项整治的通知")  # publishing is never blocked
    page = client.get("/search?q=违法建筑")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "搜索服务暂时不可用" in text
    assert "关于违法建筑专项整治的通知" in text  # found by title in the database meanwhile
    message = client.get("/messages/new")
    assert message.status_code == 200


def test_solr_sync_catches_up_when_solr_returns(app, ctx, make_doc, solr_cluster):
    make_doc(title="关于违法建筑专项整治的通知")
    solr_cluster.stop_node(0)
    solr_cluster.stop_node(1)
    try:
        doc = make_doc(title="关于垃圾分类工作的通知")  # committed; Solr cannot take it now
        assert doc.status == "published"
    finally:
        solr_cluster.start_node(0)
        solr_cluster.start_node(1)
    solr = backend(app)
    for name in solr_admin.alias_targets(solr.client.nodes, solr.target.collection):
        solr_admin.wait_for_active(solr.client.nodes, name, timeout=120)
    backend(app).client.forget_failure()
    search.query._cache.data.clear()
    backend(app).last_catch_up = 0.0
    assert titles("垃圾分类") == ["关于垃圾分类工作的通知"]  # the search caught up first
    assert backend(app).verify().ok


def test_solr_verify_finds_drift_and_fix_repairs_it(app, ctx, make_doc):
    kept = make_doc(title="关于违法建筑专项整治的通知")
    solr = backend(app)
    # Solr loses a document (say, restored from an older backup): no tombstone is left.
    solr.client.request(
        "POST",
        "/update",
        params={"softCommit": "true"},
        json={"delete": {"query": f"id:{kept.id}"}},
    )
    report = solr.verify()
    assert report.missing == [kept.id]
    solr.fix(report)
    assert solr.verify().ok
    search.query._cache.data.clear()
    assert titles("违法建筑") == ["关于违法建筑专项整治的通知"]


def test_solr_rebuild_fills_a_new_collection_and_swaps_the_alias(app, ctx, make_doc, runner):
    make_doc(title="关于违法建筑专项整治的通知")
    make_doc(title="关于垃圾分类工作的通知")
    solr = backend(app)
    before = solr_admin.alias_targets(solr.client.nodes, solr.target.collection)
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 published documents" in result.output
    after = solr_admin.alias_targets(solr.client.nodes, solr.target.collection)
    assert after and after != before
    status = solr_admin.cluster_status(solr.client.nodes)
    names = set(status.get("cluster", {}).get("collections", {}))
    assert not set(before) & names  # the old collection is gone
    assert titles("违法建筑") == ["关于违法建筑专项整治的通知"]
    assert solr.verify().ok


def test_solr_setup_cli_creates_the_collection_and_alias(app, runner, solr_cluster):
    nodes = list(solr_cluster.nodes)
    url = ",".join(f"{node}/portal_setup_test" for node in nodes)
    app.config["SOLR_URL"] = url
    app.extensions["portal.search"] = SolrBackend(url)
    try:
        result = runner.invoke(args=["search", "solr-setup"])
        assert result.exit_code == 0, result.output
        targets = solr_admin.alias_targets(nodes, "portal_setup_test")
        assert targets
        answer = requests.get(f"{nodes[1]}/portal_setup_test/select?q=*:*", timeout=10)
        assert answer.status_code == 200
        again = runner.invoke(args=["search", "solr-setup"])  # idempotent: reloads
        assert again.exit_code == 0, again.output
        assert solr_admin.alias_targets(nodes, "portal_setup_test") == targets
    finally:
        for name in solr_admin.alias_targets(nodes, "portal_setup_test"):
            solr_admin.delete_alias(nodes, "portal_setup_test")
            solr_admin.delete_collection(nodes, name)
