"""Image domain logic: no HTTP, no Docker. Compute reads images through boot.py."""
