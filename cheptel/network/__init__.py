"""The network service (Neutron v2.0): networks, subnets, ports, routers, floating IPs,
security groups and quotas, as intent in the database (the dataplane converges them)."""
