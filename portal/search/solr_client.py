"""Talking to a SolrCloud collection over HTTP, from whichever node answers.

``PORTAL_SOLR_URL`` names the collection (an alias the portal swaps on rebuild) on one or
more nodes, comma-separated: ``http://10.0.0.5:8983/solr/portal,http://10.0.0.6:8983/solr/
portal``. A request goes to the node that answered last and moves on to the next when one
does not answer, so a node down costs one refused connection, not an error. When no node
answers, ``SolrUnavailable`` is raised, and for a few seconds later calls fail at once
instead of each waiting for their own timeouts.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from portal.errors import ServiceUnavailable

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0  # seconds: a node on the same network answers a connect at once
READ_TIMEOUT = 10.0
QUIET_AFTER_FAILURE = 3.0  # seconds during which a cluster that did not answer is not retried


class SolrUnavailable(ServiceUnavailable):
    """No node of the collection answered (or every one answered with a server error)."""

    message = "搜索服务暂时不可用，请稍后再试。"


class SolrError(Exception):
    """Solr answered, refusing the request (a 4xx: a bug in what the portal sent)."""


@dataclass(frozen=True)
class SolrTarget:
    nodes: tuple[str, ...]  # base URLs, e.g. http://127.0.0.1:8983/solr
    collection: str  # the alias (or collection) searched

    @classmethod
    def parse(cls, url: str) -> SolrTarget:
        """``http://host:8983/solr/portal[,http://host2:8983/solr/portal]`` → nodes and name."""
        nodes: list[str] = []
        names: set[str] = set()
        for part in (p.strip() for p in url.split(",")):
            if not part:
                continue
            pieces = urlsplit(part)
            if pieces.scheme not in {"http", "https"} or not pieces.netloc:
                raise ValueError(f"not an http(s) URL of a Solr collection: {part!r}")
            base, _, name = pieces.path.rstrip("/").rpartition("/")
            if not name or not base:
                raise ValueError(f"no collection name in {part!r} (…/solr/<collection>)")
            nodes.append(f"{pieces.scheme}://{pieces.netloc}{base}")
            names.add(name)
        if not nodes:
            raise ValueError("PORTAL_SOLR_URL is empty")
        if len(names) != 1:
            raise ValueError("every URL in PORTAL_SOLR_URL must name the same collection")
        return cls(tuple(nodes), names.pop())


class SolrClient:
    """JSON requests to the nodes of one SolrCloud, failing over between them."""

    def __init__(self, target: SolrTarget):
        self.target = target
        self._http = requests.Session()
        self._lock = threading.Lock()
        self._preferred = 0
        self._quiet_until = 0.0

    @property
    def nodes(self) -> list[str]:
        return list(self.target.nodes)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        data: dict[str, Any] | list[tuple[str, Any]] | None = None,
        timeout: float = READ_TIMEOUT,
        collection: str | None = None,
    ) -> dict[str, Any]:
        """``path`` under the collection (``/select``) or, when it starts with ``/admin``,
        under the node; the decoded JSON answer. ``data`` goes as a form (long queries)."""
        if time.monotonic() < self._quiet_until:
            raise SolrUnavailable("Solr did not answer a moment ago")
        order = self._order()
        last_problem = ""
        for index in order:
            node = self.target.nodes[index]
            if path.startswith("/admin"):
                url = f"{node}{path}"
            else:
                url = f"{node}/{collection or self.target.collection}{path}"
            try:
                response = self._http.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    timeout=(CONNECT_TIMEOUT, timeout),
                )
            except requests.RequestException as exc:
                last_problem = type(exc).__name__
                continue
            if response.status_code >= 500:
                last_problem = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise SolrError(f"{response.status_code} from Solr: {_message(response)}")
            with self._lock:
                self._preferred = index
            return response.json()
        with self._lock:
            self._quiet_until = time.monotonic() + QUIET_AFTER_FAILURE
        log.warning("no Solr node answered (%s)", last_problem)
        raise SolrUnavailable(last_problem or "no Solr node answered")

    def _order(self) -> list[int]:
        with self._lock:
            first = self._preferred
        count = len(self.target.nodes)
        return [(first + n) % count for n in range(count)]

    def forget_failure(self) -> None:
        """Try the nodes again on the next request (after an operator started one)."""
        with self._lock:
            self._quiet_until = 0.0


def _message(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", {}).get("msg", ""))[:300]
    except ValueError:
        return response.text[:300]


SPECIAL = set('+-&|!(){}[]^"~*?:\\/')


def escape(term: str) -> str:
    """A token as a Lucene query term: every character with a meaning escaped."""
    return "".join(f"\\{ch}" if ch in SPECIAL or ch.isspace() else ch for ch in term)
