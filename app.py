"""Run the portal with its embedded defaults: ``python app.py``.

Creates (or upgrades) the SQLite database in ``instance/``, loads ``content/`` and serves
http://127.0.0.1:5000 (``PORTAL_PORT`` changes the port). ``flask --app app ...`` uses the
same app for the command-line tools. Without ``PORTAL_SECRET_KEY`` the first start makes a
random key in ``instance/secret_key`` and later starts reuse it (production sets its own).
With ``PORTAL_SMTP_URL`` set, a background thread delivers mail to residents.
"""

from portal import create_app
from portal.outbox.sender import start_background
from portal.setup import prepare_demo

app = create_app()

if __name__ == "__main__":
    prepare_demo(app)
    start_background(app)  # delivers mail to residents when PORTAL_SMTP_URL is set
    app.run(host=app.config["HOST"], port=app.config["PORT"], debug=False)
