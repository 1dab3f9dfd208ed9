"""Alembic migrations of the models/ tables (see env.py)."""
