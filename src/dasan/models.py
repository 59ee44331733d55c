"""Import every model so the metadata is complete (migrations, create_all)."""

from dasan.cases import models as cases  # noqa: F401
from dasan.center import models as center  # noqa: F401
from dasan.channels import models as channels  # noqa: F401
from dasan.conversations import models as conversations  # noqa: F401
from dasan.db.base import Base
from dasan.knowledge import models as knowledge  # noqa: F401
from dasan.orgs import models as orgs  # noqa: F401
from dasan.outbox import models as outbox  # noqa: F401
from dasan.protect import models as protect  # noqa: F401
from dasan.quality import models as quality  # noqa: F401
from dasan.retention import models as retention  # noqa: F401
from dasan.routing import models as routing  # noqa: F401
from dasan.security import models as security  # noqa: F401
from dasan.trends import models as trends  # noqa: F401
from dasan.voice import models as voice  # noqa: F401

metadata = Base.metadata
