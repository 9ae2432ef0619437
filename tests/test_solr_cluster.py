"""The loopback SolrCloud test cluster, the portal's configset and ``solr_admin`` against it.

Select with ``pytest -k solr``. Needs Java 17 + Maven (scripts/solr-testcluster); fails (never
skips) when the cluster cannot start.
"""

from __future__ import annotations

import time
from typing import Any

import pysolr
import requests

from portal.search import solr_admin
from tests.solr_cluster import SolrTestCluster


def _solr(nodes: list[str], collection: str, node: int = 0) -> pysolr.Solr:
    return pysolr.Solr(f"{nodes[node]}/{collection}", always_commit=False, timeout=30)


def _ids(solr: pysolr.Solr, q: str, **params: Any) -> list[str]:
    return sorted(doc["id"] for doc in solr.search(q, fl="id", rows=100, **params))


def _delete(nodes: list[str], collection: str, doc_id: str, del_version: int) -> None:
    """Delete-by-id carrying the change id (pysolr cannot pass extra update parameters)."""
    resp = requests.post(
        f"{nodes[0]}/{collection}/update",
        params={"del_version": del_version, "softCommit": "true", "wt": "json"},
        json={"delete": {"id": doc_id}},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text


def _doc(doc_id: str, change_id: int, title: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "change_id": change_id,
        "kind": "notice",
        "org": "dongxiao",
        "year": 2026,
        "published": 1767225600,
        "updated": "2026-01-01T08:00:00+08:00",
        "title_t": title,
        "content_t": "正文 " + title,
        **fields,
    }


def test_solr_cluster_starts_and_both_nodes_answer(solr_cluster: SolrTestCluster) -> None:
    assert len(solr_cluster.nodes) == 2
    assert solr_cluster.zk.startswith("127.0.0.1:") and solr_cluster.zk.endswith("/solr")
    for node in solr_cluster.nodes:
        assert node.startswith("http://127.0.0.1:") and node.endswith("/solr")
        resp = requests.get(f"{node}/admin/info/system", params={"wt": "json"}, timeout=10)
        assert resp.status_code == 200
        assert resp.json()["lucene"]["solr-spec-version"].startswith("9.10.1")
    assert len(solr_admin.cluster_status(solr_cluster.nodes)["cluster"]["live_nodes"]) == 2


def test_solr_setup_creates_collection_with_configset(
    solr_collection: tuple[list[str], str],
) -> None:
    nodes, name = solr_collection
    status = solr_admin.cluster_status(nodes, name)["cluster"]["collections"][name]
    assert status["configName"] == name
    (shard,) = status["shards"].values()
    assert sorted(r["state"] for r in shard["replicas"].values()) == ["active", "active"]
    assert {r["node_name"] for r in shard["replicas"].values()} == set(
        solr_admin.cluster_status(nodes)["cluster"]["live_nodes"]
    )
    schema = requests.get(f"{nodes[1]}/{name}/schema", params={"wt": "json"}, timeout=10).json()
    fields = {f["name"]: f for f in schema["schema"]["fields"]}
    assert fields["title_t"]["type"] == fields["exact"]["type"] == "pretokens"
    assert schema["schema"]["uniqueKey"] == "id"
    # Running setup again reloads the existing collection instead of failing.
    solr_admin.setup(nodes, name, timeout=60)
    assert name in solr_admin.list_collections(nodes)


def test_solr_pretokenised_document_found_by_term_query(
    solr_collection: tuple[list[str], str],
) -> None:
    nodes, name = solr_collection
    solr = _solr(nodes, name)
    solr.add([_doc("1", 1, "街道 政府 信息 公开 指南", exact="东晓办 2026 1号")], softCommit=True)
    solr.add([_doc("2", 2, "安全 生产 通知")], commitWithin=500)
    assert _ids(solr, "title_t:信息") == ["1"]
    assert _ids(solr, "title_t:信息公开") == []  # whitespace tokens only: no analysis in Solr
    assert _ids(solr, 'exact:"东晓办 2026 1号"') == ["1"]
    deadline = time.monotonic() + 10  # commitWithin: visible within half a second or so
    while _ids(solr, "title_t:通知") != ["2"]:
        assert time.monotonic() < deadline, "commitWithin never made document 2 visible"
        time.sleep(0.1)
    # The vocabulary with document frequencies, as the Python side reads it.
    terms = requests.get(
        f"{nodes[0]}/{name}/terms",
        params={"terms.fl": "title_t", "terms.limit": -1, "wt": "json", "json.nl": "map"},
        timeout=10,
    ).json()["terms"]["title_t"]
    assert terms["信息"] == 1 and terms["通知"] == 1


def test_solr_versioning_ignores_older_changes_and_keeps_tombstones(
    solr_collection: tuple[list[str], str],
) -> None:
    nodes, name = solr_collection
    solr = _solr(nodes, name)
    solr.add([_doc("7", 5, "新 标题")], softCommit=True)
    solr.add([_doc("7", 3, "旧 标题")], softCommit=True)  # older change: ignored, no error
    assert _ids(solr, "title_t:新") == ["7"]
    assert _ids(solr, "title_t:旧") == []
    assert [d["change_id"] for d in solr.search("id:7", fl="change_id")] == [5]

    _delete(nodes, name, "7", del_version=4)  # older than the indexed change 5: ignored
    assert _ids(solr, "title_t:新") == ["7"]

    _delete(nodes, name, "7", del_version=6)
    assert _ids(solr, "id:7") == []
    assert _ids(solr, "*:*") == []  # the tombstone stays out of results
    solr.add([_doc("7", 5, "复活 标题")], softCommit=True)  # older than the delete: ignored
    assert _ids(solr, "*:*") == []
    assert _ids(solr, "title_t:复活") == []

    solr.add([_doc("7", 8, "重新 发布")], softCommit=True)  # a newer change brings it back
    assert _ids(solr, "title_t:发布") == ["7"]
    # Every replica holds the same: ask each core directly, without distribution.
    for node in range(2):
        assert _ids(_solr(nodes, name, node), "title_t:发布", distrib="false") == ["7"]


def test_solr_query_answers_with_a_node_down(
    solr_cluster: SolrTestCluster, solr_collection: tuple[list[str], str]
) -> None:
    nodes, name = solr_collection
    _solr(nodes, name).add([_doc("1", 1, "停电 通知")], softCommit=True)
    solr_cluster.stop_node(0)
    assert _ids(_solr(nodes, name, 1), "title_t:停电") == ["1"]
    solr_cluster.start_node(0)
    solr_admin.wait_for_active(nodes, name, timeout=90)
    for node in range(2):
        assert _ids(_solr(nodes, name, node), "title_t:停电") == ["1"]


def test_solr_facet_counts_on_kind(solr_collection: tuple[list[str], str]) -> None:
    nodes, name = solr_collection
    solr = _solr(nodes, name)
    docs = [
        _doc("1", 1, "甲", kind="notice"),
        _doc("2", 2, "乙", kind="notice"),
        _doc("3", 3, "丙", kind="policy"),
        _doc("4", 4, "丁", kind="report"),
    ]
    solr.add(docs, softCommit=True)
    _delete(nodes, name, "4", del_version=5)  # its tombstone must not count anywhere

    def kinds() -> dict[str, int]:
        res = solr.search("*:*", rows=0, **{"facet": "true", "facet.field": "kind"})
        flat = res.facets["facet_fields"]["kind"]
        return {k: v for k, v in zip(flat[::2], flat[1::2], strict=True) if v}

    assert kinds() == {"notice": 2, "policy": 1}
    res = solr.search("*:*", rows=0, **{"facet": "true", "facet.field": "kind", "fq": "org:x"})
    assert res.hits == 0


def test_solr_admin_aliases_and_idempotent_deletes(solr_collection: tuple[list[str], str]) -> None:
    nodes, name = solr_collection
    alias = f"{name}_alias"
    assert solr_admin.alias_targets(nodes, alias) == []
    solr_admin.create_alias(nodes, alias, name)
    try:
        assert solr_admin.alias_targets(nodes, alias) == [name]
        _solr(nodes, alias, 1).add([_doc("1", 1, "别名 写入")], softCommit=True)
        assert _ids(_solr(nodes, name), "title_t:别名") == ["1"]
    finally:
        solr_admin.delete_alias(nodes, alias)
    assert solr_admin.alias_targets(nodes, alias) == []
    solr_admin.delete_alias(nodes, alias)  # missing: no error
    solr_admin.delete_collection(nodes, f"{name}_missing")  # missing: no error
