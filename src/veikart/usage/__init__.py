"""Microsoft 365 usage reports: formats, ingest into the pseudonymised Parquet lake, Graph pull."""
