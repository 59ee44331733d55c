"""Quality (M14): happy-call surveys of every kind of contact and the catch-calls they lead to."""
