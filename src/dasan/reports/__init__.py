"""Interval reports and KPIs computed from the consultation records (M16)."""
