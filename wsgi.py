"""Production entry point: ``gunicorn`` (settings in ``gunicorn.conf.py``, which names
``wsgi:app``). Run ``flask --app app db upgrade`` first; see docs/deploy.md.

Refuses to start without a real ``PORTAL_SECRET_KEY``: a server never signs sessions with
a key made up on one machine (or one that was ever public)."""

from portal import create_app
from portal.config import require_secret_key

require_secret_key()
app = create_app()
