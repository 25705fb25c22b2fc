"""OTSWriter: records into a Tablestore table (PutRow / UpdateRow / DeleteRow in batches)."""
