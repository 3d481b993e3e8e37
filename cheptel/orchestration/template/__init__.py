"""HOT templates: versions and their functions, parameters, the resource graph."""
