"""Every service's tables, gathered so that migrations see one metadata."""

from cheptel import cloud
from cheptel.db import Base
from cheptel.services import SERVICES

# importing a service's models module registers its tables with Base.metadata
MODULES = [cloud, *(s.models for s in SERVICES)]
metadata = Base.metadata
