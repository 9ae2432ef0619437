"""Production entry point: ``gunicorn wsgi:app``. Run ``flask --app app db upgrade`` first."""

from portal import create_app

app = create_app()
