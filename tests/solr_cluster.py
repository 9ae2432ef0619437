"""Pytest plugin: a real SolrCloud on loopback (embedded ZooKeeper + 2 nodes in one JVM).

Fixtures (started lazily, only when a test asks for them):

- ``solr_cluster`` (session): a :class:`SolrTestCluster` with ``.nodes`` (base URLs such as
  ``http://127.0.0.1:PORT/solr``), ``.zk`` (``127.0.0.1:PORT/solr``), ``.stop_node(i)`` and
  ``.start_node(i)``. Runs ``scripts/solr-testcluster run``; if Solr cannot start the fixture
  FAILS (never skips), with the tail of the JVM's stderr.
- ``solr_collection`` (function): a fresh collection (1 shard, 2 replicas, the portal's
  configset) yielding ``(nodes, collection_name)``; deleted afterwards, and any node a test
  stopped is started again first.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import requests

from portal.search import solr_admin

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "solr-testcluster"

BUILD_TIMEOUT = float(os.environ.get("SOLR_TESTCLUSTER_BUILD_TIMEOUT", 900))  # first Maven run
START_TIMEOUT = float(os.environ.get("SOLR_TESTCLUSTER_START_TIMEOUT", 180))
COMMAND_TIMEOUT = 120.0


class SolrClusterError(RuntimeError):
    pass


class SolrTestCluster:
    """The running ``scripts/solr-testcluster`` process and its stdin/stdout protocol."""

    def __init__(self) -> None:
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=80)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self.stopped: set[int] = set()
        self.proc = subprocess.Popen(
            ["bash", str(SCRIPT), "run"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._threads = [
            threading.Thread(target=self._pump_stdout, args=(self.proc.stdout,), daemon=True),
            threading.Thread(target=self._pump_stderr, args=(self.proc.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        try:
            line = self._expect("READY ", START_TIMEOUT, "start")
            info = json.loads(line[len("READY ") :])
        except BaseException:
            self.close()
            raise
        self.zk: str = info["zk"]
        self.nodes: list[str] = list(info["nodes"])

    # -- protocol ---------------------------------------------------------------------------

    def _pump_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _pump_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr_tail.append(line.rstrip("\n"))

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr_tail)

    def _expect(self, prefix: str, timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SolrClusterError(
                    f"Solr test cluster: no {prefix.strip()!r} within {timeout:.0f}s ({what}); "
                    f"stderr tail:\n{self.stderr_tail()}"
                )
            try:
                line = self._lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=10)
                self._threads[1].join(timeout=5)  # the whole stderr, for the message
                raise SolrClusterError(
                    f"Solr test cluster exited (code {self.proc.poll()}) during {what}; "
                    f"stderr tail:\n{self.stderr_tail()}"
                )
            if line.startswith(prefix):
                return line
            if line.startswith("ERR"):
                raise SolrClusterError(f"Solr test cluster: {line} ({what})")
            # anything else on stdout is unexpected but harmless

    def _command(self, command: str, timeout: float = COMMAND_TIMEOUT) -> None:
        with self._lock:
            stdin = self.proc.stdin
            if stdin is None or self.proc.poll() is not None:
                raise SolrClusterError(f"Solr test cluster is not running ({command})")
            stdin.write(command + "\n")
            stdin.flush()
            self._expect(f"OK {command}", timeout, command)

    # -- API ----------------------------------------------------------------------------------

    def stop_node(self, i: int) -> None:
        """Stop node ``i`` (0-based); returns once it is down."""
        self._command(f"stop {i}")
        self.stopped.add(i)

    def start_node(self, i: int, timeout: float = COMMAND_TIMEOUT) -> None:
        """Start node ``i`` again on its old port; returns once it answers HTTP and is live."""
        deadline = time.monotonic() + timeout
        self._command(f"start {i}", timeout)
        self.stopped.discard(i)
        url = self.nodes[i] + "/admin/info/system"
        while True:
            try:
                if requests.get(url, params={"wt": "json"}, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() >= deadline:
                raise SolrClusterError(f"node {i} ({self.nodes[i]}) does not answer after start")
            time.sleep(0.1)

    def start_all(self) -> None:
        for i in sorted(self.stopped):
            self.start_node(i)

    def close(self, timeout: float = 60) -> None:
        """Close stdin (the JVM shuts down on EOF) and wait for it; kill it if it hangs."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
        for thread in self._threads:
            thread.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _build() -> None:
    """Build the Maven module (a no-op when up to date) with its own, longer time budget."""
    try:
        result = subprocess.run(
            ["bash", str(SCRIPT), "build"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/solr-testcluster build took over {exc.timeout}s", pytrace=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        pytest.fail(
            f"scripts/solr-testcluster build failed ({result.returncode}):\n{tail}", pytrace=False
        )


@pytest.fixture(scope="session")
def solr_cluster() -> Iterator[SolrTestCluster]:
    _build()
    error = None
    try:
        cluster = SolrTestCluster()
    except SolrClusterError as exc:
        error = str(exc)
    if error is not None:  # outside the except block: no chained traceback
        pytest.fail(error, pytrace=False)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def solr_collection(solr_cluster: SolrTestCluster) -> Iterator[tuple[list[str], str]]:
    solr_cluster.start_all()  # a failed earlier test may have left a node down
    name = f"test_{uuid.uuid4().hex[:12]}"
    nodes = list(solr_cluster.nodes)
    solr_admin.setup(nodes, name, num_shards=1, replication_factor=2, timeout=90)
    try:
        yield nodes, name
    finally:
        solr_cluster.start_all()
        solr_admin.delete_collection(nodes, name)
        solr_admin.delete_configset(nodes, name)
