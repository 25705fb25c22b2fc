"""The channel between a reader and a writer (DataX's term): moves the records of one split,
counting dirty records against ``errorLimit``, throttling bytes, logging progress."""
