"""Dedup's Temporal workflows: a reviewer's decision on a held registration."""
