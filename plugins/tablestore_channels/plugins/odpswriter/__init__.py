"""ODPSWriter: records into a MaxCompute table or partition through the tunnel, all or nothing."""
