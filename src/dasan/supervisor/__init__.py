"""The supervisor's live view of queues and agents."""
