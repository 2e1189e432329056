"""YouTube channels registered under a licence for the Content ID allow list."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from monetization.audit_verbs import SalesVerb
from monetization.models import YOUTUBE_CHANNEL_ID_RE, ChannelRegistration, Licence
from operations.services import audit_log


def channel_id_parse(text: str) -> str:
    """A channel id from what a buyer pastes: the bare id or a youtube.com/channel/UC... address."""
    value = text.strip()
    if "/channel/" in value:
        value = value.split("/channel/", 1)[1].split("/")[0].split("?")[0]
    if not YOUTUBE_CHANNEL_ID_RE.match(value):
        raise ValidationError(
            "That is not a YouTube channel id. It starts with UC and has 24 characters in all; "
            "find it in YouTube Studio under Settings > Channel > Advanced settings."
        )
    return value


@transaction.atomic
def channel_register(*, licence: Licence, channel_text: str) -> ChannelRegistration:
    """Register a YouTube channel under a valid licence, within the tier's channel allowance."""
    licence = Licence.objects.select_for_update(of=("self",)).select_related("tier").get(pk=licence.pk)
    channel_id = channel_id_parse(channel_text)
    existing = licence.channels.filter(channel_id=channel_id).first()
    if existing is not None:
        return existing
    if not licence.is_valid:
        raise ValidationError("This licence has been revoked.")
    allowance = licence.tier.max_channels
    if licence.channels.count() >= allowance:
        raise ValidationError(
            f"The {licence.tier.licence_name} covers {allowance} channel(s); remove one first or upgrade."
            if allowance
            else f"The {licence.tier.licence_name} does not include Content ID allow-listing."
        )
    registration = ChannelRegistration(licence=licence, channel_id=channel_id)
    registration.full_clean()
    registration.save()
    audit_log(
        actor=None,
        verb=SalesVerb.LICENCE_CHANNEL_REGISTERED,
        obj=licence,
        summary=f"Channel {channel_id} registered for allow-listing.",
    )
    return registration


@transaction.atomic
def channel_remove(*, registration: ChannelRegistration) -> None:
    licence = registration.licence
    registration.delete()
    audit_log(
        actor=None,
        verb=SalesVerb.LICENCE_CHANNEL_REMOVED,
        obj=licence,
        summary=f"Channel {registration.channel_id} removed from allow-listing.",
    )
