"""Settlement's read side: what finance reads (statements, payment states, reconciliation)."""
