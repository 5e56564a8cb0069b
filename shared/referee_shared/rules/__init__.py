"""Rule sets: configuration, not code. Versioned files validated by pydantic, one section per concern."""
