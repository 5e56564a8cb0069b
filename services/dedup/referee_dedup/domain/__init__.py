"""Dedup's domain: normalisation and matching, plain Python."""
