"""Listeners' writes and workflows, by capability. Import from here: `from listeners import services`."""

from listeners.services.accounts import (  # noqa: F401
    listener_data_export,
    listener_delete,
    listener_profile_update,
    listener_sign_in,
    sign_in_link_request,
    sign_in_link_send,
)
from listeners.services.alerts import (  # noqa: F401
    release_alert_deliver_batch,
    release_alerts_resume,
    release_alerts_unsubscribe,
)
from listeners.services.experiments import (  # noqa: F401
    experiment_attribute,
    experiment_event_record,
    experiment_promote,
    experiment_purchases_check,
    surface_recommender,
)
from listeners.services.feedback import feedback_submit, feedback_triage  # noqa: F401
from listeners.services.library import (  # noqa: F401
    PlaylistError,
    favourite_toggle,
    follow_toggle,
    playlist_add_track,
    playlist_create,
    playlist_delete,
    playlist_move,
    playlist_remove_track,
    playlist_update,
    preview_play_record,
)
from listeners.services.mixes import mix_stream_make, mix_stream_request, mix_streams_ensure  # noqa: F401
from listeners.services.recommendations import recommend, recommender_nightly, recommender_train  # noqa: F401
