"""What-if: a draft rule set version tried on history before it applies (replayed in memory, no side effects)."""
