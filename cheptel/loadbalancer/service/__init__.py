"""Load balancing's logic under the handlers: rows in, rows out, typed errors."""
