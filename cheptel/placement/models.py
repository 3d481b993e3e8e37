"""No tables: placement reads the compute host (cheptel.compute.service.hosts) and the
servers' flavors, which the compute service keeps."""
