"""Citizen interaction: information-disclosure requests and their statutory deadlines."""
