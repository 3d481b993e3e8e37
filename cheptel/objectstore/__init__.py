"""Object storage (Swift v1): accounts, containers and objects (docs/object-store.md)."""
