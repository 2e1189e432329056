"""Production's cockpit screens, one module per capability. Importing the package registers them all.

- `render_jobs`: render jobs (the brief form, progress, retry); `display` holds the HTML pieces screens share
- `batches`: render batches; `style_presets`: editors' overrides of engine styles
- `ingest`: uploads; `fingerprints`: duplicate checks
- `track_intelligence`: the catalogue's Track page extended (spectrogram, duplicates, next tracks, moods)
- `track_approval`: the Track page's Approve button and the list's preview players beside the titles
- `mixes`: the Release page's long-mix actions and the mix renders' screen
- `moods`: mood models and their suggestions
"""

from production.admin import (  # noqa: F401 (each module registers its screens)
    batches,
    fingerprints,
    ingest,
    mixes,
    moods,
    render_jobs,
    style_presets,
    track_approval,
    track_intelligence,
)
from production.admin.mixes import release_mix_actions
from production.admin.track_intelligence import TrackIntelligenceAdminMixin

__all__ = ["TrackIntelligenceAdminMixin", "release_mix_actions"]
