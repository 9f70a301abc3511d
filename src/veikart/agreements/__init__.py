"""The working agreement ("hvilket verktøy til hva"): versioned, published, acknowledged."""
