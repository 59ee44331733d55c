"""The city's pulse from the consultation records (M16): emerging issues, topics, hot spots, open data."""
