"""The ways notification reaches a citizen, each behind `Channel` (see base.py)."""
