"""Shared pieces: clock, errors, permissions, dependency types."""
