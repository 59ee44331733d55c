"""Passwords, login sessions, CSRF, API tokens, role checks and the audit log (M18)."""
