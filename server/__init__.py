"""The gRPC service around the linkage library (thin servicers, config, entry point)."""
