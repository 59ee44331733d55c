"""Typed real-time events, sent only after commit, to permitted recipients only."""
