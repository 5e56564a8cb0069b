"""The dispute escalation workflow: one per dispute, from the first-level review to the ruling that takes effect."""
