"""Models of the systems app."""
