"""Channel adapters; every text channel funnels into the intake (channels.intake)."""
