"""Staff accounts and the gate of the back office: accounts, sign-in, the ``Actor`` a
service is told about, the access table and the staff blueprint's guard. Areas hang their
staff screens on ``blueprint.bp``; nothing here imports an area."""
