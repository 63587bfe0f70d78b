"""Snapshot imports: stream a gzip JSON Lines file, write batches through COPY + upsert, checkpoint each."""
