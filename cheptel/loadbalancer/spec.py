"""The load-balancer service (Octavia v2): what it is, where it lives, what it needs.

A load balancer and its tree are intent in the database; the reconciler
(BalancerConverger) makes each one a HAProxy in the network namespace holding its VIP
port (made by the network reconciler) and reads its health back. Catalog type
`load-balancer`, URL `/load-balancer` (the clients add `/v2` or `/v2.0`)."""

from cheptel.loadbalancer import faults, models, policies
from cheptel.loadbalancer.api import ROUTES
from cheptel.reconciler.balancers import BalancerConverger
from cheptel.service import Service

SERVICE = Service(
    type="load-balancer",
    name="octavia",
    title="Load balancing (Octavia v2)",
    prefix="/load-balancer",
    catalog_path="",
    description="cheptel load balancing (Octavia v2)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    converger=BalancerConverger,
)
