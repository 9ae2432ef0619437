"""Consultations (征集调查): residents' opinions, structured questions, moderation, results.

The consultation itself is a ``Document`` of kind ``consultation`` (dates, draft, result
summary), written only by ``portal.publishing``. This package adds what residents send in
(``Opinion``), the questions staff ask (``Question``), the services that change them
(``services``), what is read and tallied (``queries``, ``tallies``) and the resident form
(``forms``).
"""
