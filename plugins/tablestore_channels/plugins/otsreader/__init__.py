"""OTSReader: a Tablestore table (or a key range of it) read with GetRange, in splits."""
