"""Run the portal with its embedded defaults: ``python app.py``.

Creates (or upgrades) the SQLite database in ``instance/``, loads ``content/`` and serves
http://127.0.0.1:5000 (``PORTAL_PORT`` changes the port). ``flask --app app ...`` uses the
same app for the command-line tools. Without ``PORTAL_SECRET_KEY`` the first start makes a
random key in ``instance/secret_key`` and later starts reuse it (production sets its own).
"""

from portal import create_app
from portal.setup import prepare_demo

app = create_app()

if __name__ == "__main__":
    prepare_demo(app)
    app.run(host=app.config["HOST"], port=app.config["PORT"], debug=False)
