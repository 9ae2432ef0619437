"""The framework floor for bench/load.py: a minimal Flask app that returns the bytes of a
saved home page (``FLOOR_PAGE``) with the same content type, under the same gunicorn
settings as the portal. Whatever the portal costs beyond this is the portal's own work."""

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
PAGE = Path(os.environ["FLOOR_PAGE"]).read_bytes()


@app.get("/")
def home() -> Response:
    return Response(PAGE, mimetype="text/html")
