"""Compute: Nova v2.1 with microversions; a server is a container on the Docker Engine."""
