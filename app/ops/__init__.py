"""Operations: backups that are proven to restore, and archiving of old order_items partitions."""
