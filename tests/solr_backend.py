"""Running the portal's search on Solr in tests: one alias for the session on the real
two-node SolrCloud of ``tests.solr_cluster``, emptied before every test that uses it.

A test module runs its search tests on both backends by overriding ``search_config`` with
``both_backends`` (parametrised ``whoosh``/``solr``; ``pytest -k solr`` selects the Solr
half, which is never skipped: a cluster that cannot start fails the run).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from portal.search import solr_admin

ALIAS = "portal_test"


@pytest.fixture(scope="session")
def solr_session_url(solr_cluster: Any) -> str:
    """``PORTAL_SOLR_URL`` of the session's alias, on both nodes."""
    nodes = list(solr_cluster.nodes)
    first = f"{ALIAS}_first"
    solr_admin.setup(nodes, first, config_name=ALIAS, num_shards=1, replication_factor=2)
    solr_admin.create_alias(nodes, ALIAS, first)
    return ",".join(f"{node}/{ALIAS}" for node in nodes)


def empty_collection(url: str) -> None:
    """Delete every document (and Solr's delete tombstones, and the state) behind ``url``."""
    first = url.split(",")[0]
    response = requests.post(
        f"{first}/update",
        params={"commit": "true"},
        json={"delete": {"query": "*:*"}},
        timeout=30,
    )
    response.raise_for_status()


@pytest.fixture
def solr_url(solr_session_url: str, solr_cluster: Any) -> str:
    for index in range(len(solr_cluster.nodes)):  # a test may have stopped one
        solr_cluster.start_node(index)
    empty_collection(solr_session_url)
    return solr_session_url


@pytest.fixture(params=["whoosh", "solr"])
def both_backends(request: pytest.FixtureRequest) -> dict[str, Any]:
    """App settings for the search backend under test (use as ``search_config``)."""
    if request.param == "whoosh":
        return {}
    url = request.getfixturevalue("solr_url")
    return {"SEARCH_BACKEND": "solr", "SOLR_URL": url}
