"""Operators' tooling: dead letters, log replays and topic overviews, as `relais` commands."""

from shared.ops.cli import register

__all__ = ["register"]
