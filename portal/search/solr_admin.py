"""SolrCloud administration: upload the portal's configset and create (or reload) a collection.

Pure Python over Solr's HTTP API (``requests``); no Flask. ``nodes`` are base URLs of Solr
nodes such as ``http://127.0.0.1:8983/solr``; every call tries them in turn and moves on when
one does not answer, so a cluster with a node down can still be administered.

The configset lives in the repository (``solr/configset``); the portal always runs from a clone.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

CONFIGSET_DIR = Path(__file__).resolve().parents[2] / "solr" / "configset"

# One request's budget; admin calls that wait for a final state get the caller's timeout.
_REQUEST_TIMEOUT = 30.0


class SolrAdminError(RuntimeError):
    """Solr refused an admin request, or no node answered, or the collection never got ready."""


def setup(
    nodes: Sequence[str],
    collection: str,
    *,
    configset_dir: Path = CONFIGSET_DIR,
    config_name: str | None = None,
    num_shards: int = 1,
    replication_factor: int = 2,
    timeout: float = 60,
) -> None:
    """Upload ``configset_dir`` as ``config_name`` (default: the collection's name), then create
    ``collection`` with it, or RELOAD the collection when it exists already; return once every
    replica is active. Idempotent."""
    name = config_name or collection
    deadline = time.monotonic() + timeout
    upload_configset(nodes, name, configset_dir)
    if collection in list_collections(nodes):
        _admin(
            nodes,
            "/admin/collections",
            {"action": "RELOAD", "name": collection},
            timeout=_remaining(deadline),
        )
    else:
        _admin(
            nodes,
            "/admin/collections",
            {
                "action": "CREATE",
                "name": collection,
                "numShards": num_shards,
                "replicationFactor": replication_factor,
                "collection.configName": name,
                "waitForFinalState": "true",
            },
            timeout=_remaining(deadline),
        )
    wait_for_active(nodes, collection, timeout=_remaining(deadline))


def upload_configset(nodes: Sequence[str], name: str, configset_dir: Path = CONFIGSET_DIR) -> None:
    """Zip ``configset_dir`` (the folder holding ``conf/``, or ``conf/`` itself) and upload it
    as configset ``name``, replacing files of an earlier upload of the same name."""
    conf = configset_dir / "conf" if (configset_dir / "conf").is_dir() else configset_dir
    if not (conf / "solrconfig.xml").is_file():
        raise SolrAdminError(f"no solrconfig.xml in {conf}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(conf.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(conf).as_posix())
    _admin(
        nodes,
        "/admin/configs",
        {"action": "UPLOAD", "name": name, "overwrite": "true", "cleanup": "true"},
        data=buf.getvalue(),
    )


def list_collections(nodes: Sequence[str]) -> list[str]:
    return list(_admin(nodes, "/admin/collections", {"action": "LIST"}).get("collections", []))


def delete_collection(nodes: Sequence[str], collection: str, *, timeout: float = 60) -> None:
    """Delete ``collection``; a collection that does not exist is not an error."""
    if collection not in list_collections(nodes):
        return
    _admin(
        nodes,
        "/admin/collections",
        {"action": "DELETE", "name": collection},
        timeout=timeout,
    )


def delete_configset(nodes: Sequence[str], name: str) -> None:
    """Delete configset ``name`` (no collection may use it); a missing one is not an error."""
    listed = _admin(nodes, "/admin/configs", {"action": "LIST"}).get("configSets", [])
    if name in listed:
        _admin(nodes, "/admin/configs", {"action": "DELETE", "name": name})


def cluster_status(nodes: Sequence[str], collection: str | None = None) -> dict[str, Any]:
    """The CLUSTERSTATUS response: ``status["cluster"]`` holds ``collections`` (shards,
    replicas and their ``state``), ``live_nodes``, ``aliases``..."""
    params: dict[str, Any] = {"action": "CLUSTERSTATUS"}
    if collection is not None:
        params["collection"] = collection
    return _admin(nodes, "/admin/collections", params)


def alias_targets(nodes: Sequence[str], alias: str) -> list[str]:
    """The collections ``alias`` points to, in order; ``[]`` when there is no such alias."""
    aliases = _admin(nodes, "/admin/collections", {"action": "LISTALIASES"}).get("aliases", {})
    targets = aliases.get(alias) or ""
    return [name for name in str(targets).split(",") if name]


def create_alias(nodes: Sequence[str], alias: str, *collections: str) -> None:
    """Point ``alias`` at ``collections`` (creating it, or moving it atomically)."""
    _admin(
        nodes,
        "/admin/collections",
        {"action": "CREATEALIAS", "name": alias, "collections": ",".join(collections)},
    )


def delete_alias(nodes: Sequence[str], alias: str) -> None:
    """Delete ``alias`` (not its collections); a missing alias is not an error."""
    if alias_targets(nodes, alias):
        _admin(nodes, "/admin/collections", {"action": "DELETEALIAS", "name": alias})


def wait_for_active(nodes: Sequence[str], collection: str, *, timeout: float = 60) -> None:
    """Poll until every replica of every shard of ``collection`` is active on a live node."""
    deadline = time.monotonic() + timeout
    last = "no status yet"
    while True:
        try:
            status = cluster_status(nodes, collection).get("cluster", {})
            ready, last = _all_active(status, collection)
            if ready:
                return
        except SolrAdminError as exc:
            last = str(exc)
        if time.monotonic() >= deadline:
            raise SolrAdminError(f"collection {collection!r} not active after {timeout}s: {last}")
        time.sleep(0.2)


def _all_active(status: dict[str, Any], collection: str) -> tuple[bool, str]:
    coll = status.get("collections", {}).get(collection)
    if coll is None:
        return False, "collection not in cluster state"
    live = set(status.get("live_nodes", []))
    shards = coll.get("shards", {})
    if not shards:
        return False, "no shards"
    for shard_name, shard in shards.items():
        replicas = shard.get("replicas", {})
        if not replicas:
            return False, f"{shard_name} has no replicas"
        for replica_name, replica in replicas.items():
            if replica.get("state") != "active" or replica.get("node_name") not in live:
                return False, f"{shard_name}/{replica_name} is {replica.get('state')}"
    return True, "active"


def _remaining(deadline: float) -> float:
    return max(1.0, deadline - time.monotonic())


def _admin(
    nodes: Sequence[str],
    path: str,
    params: dict[str, Any],
    *,
    data: bytes | None = None,
    timeout: float = _REQUEST_TIMEOUT,
) -> dict[str, Any]:
    """Send an admin request to the first node that answers; raise on a Solr error."""
    if not nodes:
        raise SolrAdminError("no Solr nodes given")
    query = {**params, "wt": "json"}
    errors: list[str] = []
    for node in nodes:
        url = node.rstrip("/") + path
        try:
            if data is None:
                resp = requests.get(url, params=query, timeout=timeout)
            else:
                resp = requests.post(
                    url,
                    params=query,
                    data=data,
                    headers={"Content-Type": "application/octet-stream"},
                    timeout=timeout,
                )
        except requests.RequestException as exc:  # node down: try the next one
            errors.append(f"{node}: {exc}")
            continue
        if resp.status_code in (502, 503, 504):  # node shutting down or starting up
            errors.append(f"{node}: HTTP {resp.status_code}")
            continue
        try:
            body: dict[str, Any] = resp.json()
        except ValueError:
            raise SolrAdminError(
                f"{url} {params.get('action')}: HTTP {resp.status_code}: {resp.text[:500]}"
            ) from None
        failure = body.get("error") or body.get("failure") or body.get("exception")
        if resp.status_code >= 400 or failure:
            action = params.get("action")
            raise SolrAdminError(f"{url} {action}: HTTP {resp.status_code}: {failure}")
        return body
    raise SolrAdminError("no Solr node answered: " + "; ".join(errors))
