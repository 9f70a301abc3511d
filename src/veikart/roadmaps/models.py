"""Models of the roadmaps app."""
