"""Image domain logic: no HTTP, no Docker (compute reads images via images.get_visible and
the files via cheptel.image.store.path)."""
