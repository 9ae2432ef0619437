"""Consultations (征集调查): residents' opinions, structured questions, moderation, results.

The consultation itself is a ``Document`` of kind ``consultation`` (dates, draft, result
summary), written only by ``portal.publishing``. This package adds what residents send in
(``Opinion``), the questions staff ask (``Question``), the services that change them
(``services``), what is read and tallied (``queries``, ``tallies``) and the resident form
(``forms``), the public page's part (``page``, ``views``) and the staff screens
(``staff``).
"""

from __future__ import annotations

from flask import Flask

from portal.consultations import page
from portal.documents import views as document_views


def init_app(app: Flask) -> None:
    """A consultation's detail page carries its opinion form, opinions and results."""
    document_views.DETAIL_PARTS["consultation"] = ("consultation", page.build)
