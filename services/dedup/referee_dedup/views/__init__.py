"""Dedup's read side: the demand board as each viewer may see it, and its text for the CLI."""
