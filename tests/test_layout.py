"""The README's layout table matches the tree: every path it names exists, every package
and every module of ``portal/`` is named, and no module grows past 400 lines."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
LAYOUT = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
MAX_LINES = 400


def _named() -> set[str]:
    return set(re.findall(r"`([\w./-]+)`", LAYOUT))


def test_every_path_in_the_layout_table_exists():
    named = _named()
    paths = {name for name in named if "/" in name and not name.startswith("/")}
    modules = {name for name in named if name.endswith(".py") and "/" not in name}
    missing = sorted(p for p in paths if "…" not in p and not (ROOT / p).exists())
    missing += sorted(
        m for m in modules if not (ROOT / m).exists() and not any(ROOT.glob(f"portal/*/{m}"))
    )
    assert missing == []


def test_every_package_and_module_of_portal_is_in_the_table():
    named = _named()
    for package in sorted(p.parent for p in (ROOT / "portal").glob("*/__init__.py")):
        relative = f"portal/{package.name}/"
        if package.name == "migrations":
            continue
        assert relative in named, relative
        row = next(line for line in LAYOUT.splitlines() if f"`{relative}`" in line)
        for module in sorted(package.glob("*.py")):
            if module.name != "__init__.py":
                assert f"`{module.name}`" in row, f"{relative}{module.name}"
    for module in sorted((ROOT / "portal").glob("*.py")):
        assert f"portal/{module.name}" in named, module.name


def test_no_module_is_longer_than_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "portal").rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
