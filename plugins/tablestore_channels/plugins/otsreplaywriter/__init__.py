"""The stream replay writer: stream changes applied to a Tablestore table in commit order, for
the point-in-time restore (this project's own)."""
