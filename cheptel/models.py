"""Every service's tables, gathered so that migrations see one metadata."""

from cheptel import cloud as cloud_models  # noqa: F401
from cheptel.compute import models as compute_models  # noqa: F401
from cheptel.db import Base
from cheptel.identity import models as identity_models  # noqa: F401
from cheptel.image import models as image_models  # noqa: F401
from cheptel.network import models as network_models  # noqa: F401

metadata = Base.metadata
