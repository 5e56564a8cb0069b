"""The chaos suite (`make chaos`): a steady mixed load through the real system while its parts fail."""
