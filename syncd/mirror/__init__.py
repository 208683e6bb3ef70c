"""Adapter to the local SQL mirror (SQLAlchemy 2.x): tables, upserts, watermarks, outbox, ledger."""
