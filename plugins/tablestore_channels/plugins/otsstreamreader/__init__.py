"""OTSStreamReader: the changes of a table's Stream committed in a window, shard by shard, with
checkpoints in a status table."""
