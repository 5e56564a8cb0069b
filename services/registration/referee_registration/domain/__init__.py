"""Registration's domain: plain Python, no frameworks."""
