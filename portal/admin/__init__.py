"""The staff back office: accounts, login, roles, dashboard."""
