"""The services this cloud serves: one line each (see docs/adding-a-service.md).

Read by the app (mounts, bootstrap, the catalog), cheptel.models (the migrations'
metadata), scripts/support_matrix.py and scripts/tempest.py. Identity comes first: its
bootstrap makes the projects the others' bootstraps use.
"""

from cheptel.compute.spec import SERVICE as COMPUTE
from cheptel.identity.spec import SERVICE as IDENTITY
from cheptel.image.spec import SERVICE as IMAGE
from cheptel.loadbalancer.spec import SERVICE as LOAD_BALANCER
from cheptel.network.spec import SERVICE as NETWORK
from cheptel.objectstore.spec import SERVICE as OBJECT_STORE
from cheptel.orchestration.spec import SERVICE as ORCHESTRATION
from cheptel.placement.spec import SERVICE as PLACEMENT
from cheptel.service import Service
from cheptel.volume.spec import SERVICE as VOLUME

SERVICES: list[Service] = [IDENTITY, COMPUTE, IMAGE, NETWORK, VOLUME, OBJECT_STORE,
                           PLACEMENT, ORCHESTRATION, LOAD_BALANCER]
