"""Queues, agent state, offering contacts to agents, expected wait (M11; simple until the routing issue)."""
