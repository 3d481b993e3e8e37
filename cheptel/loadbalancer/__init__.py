"""Load balancing (Octavia v2): load balancers on HAProxy."""
