"""Distribution's cockpit screens, one module per capability. Importing the package registers them all.

- `releases`: the cockpit's release page (catalog's ReleaseAdmin extended: where and when it goes out, readiness,
  checklists, publications, media previews and the workflow actions)
- `publications`: each release's way out to one platform, with its attempts
- `accounts`: platform accounts (connect, credentials) and the quota ledger
- `release_media`: per-platform metadata and the release's cover, thumbnails and videos
- `delivery`: delivery packages for distributors and stores without an API
"""

from distribution.admin import accounts, delivery, publications, release_media, releases  # noqa: F401 (registers)
from distribution.admin.releases import ReleaseDistributionAdminMixin

__all__ = ["ReleaseDistributionAdminMixin"]
