"""Qualification's Temporal workflows: the review of a submitted certificate, and its validity once approved."""
