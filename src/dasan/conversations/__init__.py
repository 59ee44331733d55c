"""Conversations, messages, the append-only event history and the consultation record (M10)."""
