"""Compute domain logic: no HTTP and no Docker here (the reconciler drives the engine)."""
