"""Durable delivery of outbound messages to gateways (SMS through Kannel, later email and SNS)."""
