"""Arbitration's adapters to the outside: registration's and dedup's HTTP APIs."""
