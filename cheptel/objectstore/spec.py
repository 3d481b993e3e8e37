"""The object store (Swift v1): what it is, where it lives, what it needs."""

from cheptel.objectstore import faults, models, policies
from cheptel.objectstore.api import ROUTES
from cheptel.objectstore.api.common import negotiate
from cheptel.objectstore.api.info import middleware
from cheptel.objectstore.metrics import METRICS
from cheptel.objectstore.service import bootstrap, external
from cheptel.objectstore.service.expiry import Expirer
from cheptel.service import Service, TempestCloud, TempestSections, TempestTests


def tempest_conf(cloud: TempestCloud) -> TempestSections:
    """Swift's sections of tempest.conf: the roles keystoneauth knows, the middleware
    /info lists (Tempest skips the tests of the others)."""
    return {
        "object-storage": {"catalog_type": "object-store", "region": "RegionOne",
                           "operator_role": "member", "reseller_admin_role": "ResellerAdmin"},
        "object-storage-feature-enabled": {"discoverability": "True",
                                           "discoverable_apis": ",".join(middleware()),
                                           "container_sync": "False",
                                           "object_versioning": "True"},
    }


SERVICE = Service(
    type="object-store",
    name="swift",
    title="Object storage (Swift v1)",
    prefix="/object-store",
    catalog_path="/v1/AUTH_$(project_id)s",
    description="cheptel object storage (Swift v1)",
    routes=ROUTES,
    policies=policies.POLICIES,
    render_fault=faults.render_fault,
    models=models,
    bootstrap=bootstrap.on_start,
    negotiate=negotiate,
    converger=Expirer,
    tempest=TempestTests(all=r"object_storage", selected=r"object_storage",
                         fast=r"object_storage\.test_object_services",
                         conf=tempest_conf),
    metrics=METRICS,
    external_url=external.external_url,
)
