"""The load-balancer domain: no HTTP here."""
