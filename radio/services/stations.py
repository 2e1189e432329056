"""Station secrets and setup: the AutoDJ token, Icecast passwords, RTMP stream keys (encrypted with distribution's
credential crypto), and the demo station."""

from __future__ import annotations

import hmac
from datetime import datetime

from django.conf import settings
from django.db import transaction

from distribution.crypto import decrypt_json, encrypt_json
from lofi_site.ratelimit import private_hash
from radio.models import RtmpTarget, Station


def autodj_token(station: Station) -> str:
    """The bearer token Liquidsoap sends: a keyed hash of the station and its token version (nothing stored in
    clear; raising `autodj_token_version` revokes it; rotating SECRET_KEY changes it)."""
    return private_hash(f"{station.uuid}:{station.autodj_token_version}", purpose="radio-autodj")


def autodj_token_valid(station: Station, presented: str) -> bool:
    return bool(presented) and hmac.compare_digest(autodj_token(station), presented)


@transaction.atomic
def station_token_rotate(*, station: Station) -> Station:
    """Revoke the station's AutoDJ token (the running Liquidsoap needs the new script: restart the station)."""
    Station.objects.filter(pk=station.pk).update(autodj_token_version=station.autodj_token_version + 1)
    station.refresh_from_db()
    return station


def icecast_passwords(station: Station) -> dict[str, str]:
    """{source_password, admin_user, admin_password} of the station's Icecast.

    A remote Icecast's are stored encrypted on the station; a local one uses RADIO_ICECAST_*_PASSWORD, else
    passwords derived per station from SECRET_KEY (stable across restarts, never written anywhere but the
    generated configs in RADIO_RUN_DIR)."""
    stored = decrypt_json(station.icecast_credentials) if station.icecast_credentials else {}
    return {
        "source_password": stored.get("source_password")
        or settings.RADIO_ICECAST_SOURCE_PASSWORD
        or private_hash(f"{station.uuid}:source", purpose="radio-icecast")[:24],
        "admin_user": stored.get("admin_user") or "admin",
        "admin_password": stored.get("admin_password")
        or settings.RADIO_ICECAST_ADMIN_PASSWORD
        or private_hash(f"{station.uuid}:admin", purpose="radio-icecast")[:24],
    }


@transaction.atomic
def station_icecast_credentials_set(
    *, station: Station, source_password: str, admin_password: str, admin_user: str = "admin"
) -> Station:
    """Store a remote Icecast's passwords, encrypted at rest."""
    station.icecast_credentials = encrypt_json(
        {"source_password": source_password, "admin_user": admin_user, "admin_password": admin_password}
    )
    station.save(update_fields=["icecast_credentials", "updated_at"])
    return station


@transaction.atomic
def rtmp_target_set_key(*, target: RtmpTarget, stream_key: str) -> RtmpTarget:
    """Store a target's stream key encrypted (like platform tokens); an empty key clears it."""
    stream_key = stream_key.strip()
    target.stream_key_encrypted = encrypt_json({"stream_key": stream_key}) if stream_key else ""
    target.save(update_fields=["stream_key_encrypted", "updated_at"])
    return target


def rtmp_target_key(target: RtmpTarget) -> str:
    """The stream key in clear ('' when none): for the push's URL, and to mask it in the push's output."""
    return decrypt_json(target.stream_key_encrypted).get("stream_key", "") if target.stream_key_encrypted else ""


def rtmp_target_url(target: RtmpTarget) -> str:
    """The full ingest URL (server + "/" + key) ffmpeg pushes to; the server alone when there is no key."""
    key = rtmp_target_key(target)
    server = target.server_url.rstrip("/")
    return f"{server}/{key}" if key else server


def rtmp_target_failed(*, target_id: int, error: str, at: datetime) -> None:
    """The push reported this target failed at `at` (it stays down until the push restarts): the watchdog reads
    it against the push's start, the cockpit shows it."""
    RtmpTarget.objects.filter(pk=target_id).update(last_error=error[:300], last_error_at=at)


@transaction.atomic
def station_on_air_set(*, station: Station, on_air: bool) -> Station:
    """Whether the station should be broadcasting: `manage.py radio` sets it when it starts and clears it when it
    is stopped on purpose (SIGTERM, Ctrl-C); a crash leaves it set, so the watchdog notices."""
    Station.objects.filter(pk=station.pk).update(on_air=on_air)
    station.on_air = on_air
    return station
