"""Settlement in plain Python: money, credit, the split, payment states and reconciliation."""
