"""Running the portal: health checks, backup and restore, retention, serving under gunicorn."""
