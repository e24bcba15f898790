"""Operators' tooling: dead letters, log replays and topic overviews, as `relais` commands."""

from tools.ops.cli import register

__all__ = ["register"]
