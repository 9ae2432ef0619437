"""No import cycles: every module imports on its own, and no two packages need each other.

Areas (documents, interaction, consultations, …) build on the core (config, database,
states, …), the neutral web layer and ``auth``; the admin shell, the API and the CLI build
on the areas. An area never needs something that needs it back.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
#: The factory: it imports every area to register it, by design at the top of the graph.
COMPOSITION = {"portal"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module(path): path for path in sorted(PORTAL.rglob("*.py")) if "migrations" not in path.parts
}


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The portal modules ``path`` imports (at module level only, or anywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            base = node.module
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in MODULES}


def _package(module: str) -> str:
    """The node of the package graph: ``portal.<area>`` or a core module ``portal.<name>``."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_packages_need_each_other():
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if module in COMPOSITION:
            continue
        source = _package(module)
        for target in _imports(path, top_level_only=False):
            if _package(target) != source and target not in COMPOSITION:
                graph.setdefault(source, set()).add(_package(target))
    assert _cycles(graph) == []


def test_no_module_level_import_cycle():
    graph = {
        module: {t for t in _imports(path, top_level_only=True) if t != module}
        for module, path in MODULES.items()
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.skipif(
    bool(os.environ.get("PORTAL_TEST_DATABASE_URL")),
    reason="the import graph is the same on every database: checked in the SQLite run",
)
@pytest.mark.parametrize("chunk", range(4))
def test_every_module_imports_on_its_own_in_a_fresh_interpreter(chunk):
    names = sorted(MODULES)[chunk::4]

    def load(name: str) -> tuple[str, int, str]:
        done = subprocess.run(
            [sys.executable, "-W", "error", "-c", f"import {name}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return name, done.returncode, done.stderr[-400:]

    with ThreadPoolExecutor(max_workers=4) as pool:
        failed = [result for result in pool.map(load, names) if result[1] != 0]
    assert failed == []
