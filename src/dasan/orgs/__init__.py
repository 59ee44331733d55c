"""Organisations, departments, legacy lines, users, roles and skills (M1)."""
