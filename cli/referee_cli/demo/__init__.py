"""``referee demo``: the brief's three industry cases played against the running system."""
