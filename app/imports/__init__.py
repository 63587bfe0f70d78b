"""The platform-free import pipeline: a source's records → batches → staging COPY → upsert → checkpoint."""
