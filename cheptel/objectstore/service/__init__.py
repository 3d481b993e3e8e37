"""The object store's domain logic: no HTTP here (docs/object-store.md)."""
