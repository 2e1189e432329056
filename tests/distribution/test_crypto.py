"""Platform credentials at rest: Fernet-encrypted JSON, readable after a Django-style SECRET_KEY rotation, a
clear error (never a crash or a leak) when no current key fits."""

from __future__ import annotations

import pytest

from distribution.crypto import CredentialsError, decrypt_json, encrypt_json

SECRETS = {"client": {"client_secret": "GOCSPX-very-secret"}, "token": {"refresh_token": "1//refresh"}}


def test_the_stored_text_holds_no_secret_and_reads_back(settings):
    settings.SECRET_KEY = "key-one"

    stored = encrypt_json(SECRETS)

    assert "very-secret" not in stored and "refresh" not in stored
    assert decrypt_json(stored) == SECRETS
    assert decrypt_json("") == {}


def test_tokens_stay_readable_after_the_secret_key_is_rotated(settings):
    settings.SECRET_KEY = "key-one"
    stored = encrypt_json(SECRETS)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "key-two", ["key-one"]

    assert decrypt_json(stored) == SECRETS
    rewritten = encrypt_json(SECRETS)
    settings.SECRET_KEY_FALLBACKS = []
    assert decrypt_json(rewritten) == SECRETS  # written again under the new key


def test_an_unknown_key_is_a_clear_error(settings):
    settings.SECRET_KEY = "key-one"
    stored = encrypt_json(SECRETS)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "someone-else", []

    with pytest.raises(CredentialsError, match="connect the account again") as raised:
        decrypt_json(stored)
    assert "very-secret" not in str(raised.value)


def test_a_dedicated_credentials_key_takes_over_from_the_secret_key(settings):
    settings.SECRET_KEY = "key-one"
    settings.DISTRIBUTION_CREDENTIALS_KEY = "credentials-only"
    stored = encrypt_json(SECRETS)

    settings.SECRET_KEY = "key-two"  # rotating SECRET_KEY does not touch credentials under their own key
    assert decrypt_json(stored) == SECRETS
    settings.DISTRIBUTION_CREDENTIALS_KEY = ""
    with pytest.raises(CredentialsError):
        decrypt_json(stored)
