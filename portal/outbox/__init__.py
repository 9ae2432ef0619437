"""Mail to residents: the outbox written with each change (``queue.notify``), the one
place mails are worded (``compose``), the sender that delivers them through the relay of
``PORTAL_SMTP_URL`` (``sender``) and its commands (``cli``)."""
