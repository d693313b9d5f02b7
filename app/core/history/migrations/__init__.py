"""Alembic migrations of the history database (a package so wheels and bundles ship them)."""
