"""Image: Glance v2 (image records in the database, image files under DATA_DIR/images)."""
