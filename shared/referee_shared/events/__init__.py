"""The event contract: envelope, payload models per topic, and the catalogue that decodes them."""
