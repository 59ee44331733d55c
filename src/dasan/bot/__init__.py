"""Self-service: language identification, intents, the knowledge-grounded bot and handoff (M7, M9)."""
