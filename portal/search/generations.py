"""The index directory's generations: which one is live, making a new one, removing old ones.

Layout under the index directory (``PORTAL_SEARCH_INDEX``)::

    CURRENT           name of the live generation, replaced atomically by a rebuild
    gen-000003/       a Whoosh index; its ``__state__`` document holds the last change-log
                      id applied, committed together with the changes

A rebuild writes a new generation beside the live one and switches ``CURRENT`` to it in one
rename; searchers still reading the previous generation keep it until they are done.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def current(root: Path) -> str | None:
    """The live generation's name, if ``CURRENT`` names a folder that exists."""
    try:
        name = (root / "CURRENT").read_text().strip()
    except OSError:
        return None
    return name if name and (root / name).is_dir() else None


def set_current(root: Path, name: str) -> None:
    """Make ``name`` the live generation (one atomic rename)."""
    tmp = root / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(name)
    tmp.replace(root / "CURRENT")


def new_folder(root: Path) -> Path:
    """A new, empty generation folder numbered after every existing one."""
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()]
    number = max(numbers, default=0) + 1
    while True:
        path = root / f"gen-{number:06d}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            number += 1


def remove_old(root: Path, keep: set[str]) -> None:
    """Delete generations older than the previous one (a searcher may still read it)."""
    generations = sorted(p for p in root.glob("gen-*") if p.is_dir())
    for path in generations[:-2]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
