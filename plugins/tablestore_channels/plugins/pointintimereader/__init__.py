"""The point-in-time reader: a table as it was at a moment, from a full export and the stream
windows after it (this project's own; Data Integration has none)."""
