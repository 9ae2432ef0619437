"""Production entry point: ``gunicorn`` (settings in ``gunicorn.conf.py``, which names
``wsgi:app``). Run ``flask --app app db upgrade`` first; see docs/deploy.md."""

from portal import create_app

app = create_app()
