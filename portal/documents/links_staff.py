"""``/admin/links``: the dead links and missing attachments the last ``flask check links``
found, in each organisation one writes for or supervises (``links.latest`` checks which)."""

from __future__ import annotations

from flask import render_template

from portal.auth.blueprint import bp, current_actor
from portal.documents import links


@bp.get("/links")
def link_problems():
    """Each broken link and missing attachment of one's organisations, with the document
    to fix, or when the last check found nothing, or that none has run yet."""
    return render_template("admin/documents/links.html", reports=links.latest(current_actor()))
