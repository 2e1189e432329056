"""ISRC assignment: label prefix, year, a 5-digit sequence per year; unique; valid by python-stdnum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from stdnum import isrc

from catalog import services
from catalog.models import IsrcCounter
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _prefix(settings):
    settings.ISRC_PREFIX = "QZLF1"


def test_codes_follow_prefix_year_and_sequence():
    first, second, third = (services.track_assign_isrc(track=TrackFactory(), year=2026) for _ in range(3))

    assert [first, second, third] == ["QZLF12600001", "QZLF12600002", "QZLF12600003"]
    assert all(isrc.is_valid(code) for code in (first, second, third))
    assert isrc.format(first) == "QZ-LF1-26-00001"


def test_code_is_stored_on_the_track_and_a_second_call_keeps_it():
    track = TrackFactory()

    code = services.track_assign_isrc(track=track, year=2026)
    again = services.track_assign_isrc(track=track, year=2026)

    track.refresh_from_db()
    assert track.isrc == code == again
    assert IsrcCounter.objects.get(prefix="QZLF1", year=26).last_number == 1  # no number was burnt


def test_numbering_restarts_in_a_new_year_and_uses_the_current_year_by_default(monkeypatch):
    def at(moment: dt.datetime):
        monkeypatch.setattr(services.timezone, "now", lambda: moment)

    at(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC))
    december = [services.track_assign_isrc(track=TrackFactory()) for _ in range(2)]
    at(dt.datetime(2027, 1, 1, 0, 1, tzinfo=dt.UTC))
    january = services.track_assign_isrc(track=TrackFactory())

    assert december == ["QZLF12600001", "QZLF12600002"]
    assert january == "QZLF12700001"


def test_a_code_typed_in_by_hand_is_skipped_not_issued_twice():
    TrackFactory(isrc="QZLF12600001")  # an editor pasted a code from the distributor
    code = services.track_assign_isrc(track=TrackFactory(), year=2026)

    assert code == "QZLF12600002"


def test_the_same_code_cannot_be_on_two_tracks():
    TrackFactory(isrc="QZLF12600007")
    duplicate = TrackFactory.build(isrc="QZLF12600007", artist=TrackFactory().artist)

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "ISRC already exists" in str(error.value)


def test_a_prefix_that_is_not_country_plus_registrant_is_refused_with_the_reason(settings):
    settings.ISRC_PREFIX = "12AB"
    track = TrackFactory()

    with pytest.raises(ValidationError, match="2-letter country code plus a 3-character registrant"):
        services.track_assign_isrc(track=track, year=2026)
    track.refresh_from_db()
    assert track.isrc is None


def test_a_year_with_every_number_used_says_so():
    IsrcCounter.objects.create(prefix="QZLF1", year=26, last_number=99999)

    with pytest.raises(ValidationError, match="All 99,999 ISRCs of QZLF1 for year 26 are used"):
        services.track_assign_isrc(track=TrackFactory(), year=2026)


def test_malformed_codes_fail_model_validation_with_the_expected_shape():
    track = TrackFactory.build(isrc="QZLF1260001", artist=TrackFactory().artist)  # one digit short

    with pytest.raises(ValidationError) as error:
        track.full_clean()
    assert "not a valid ISRC: it must look like CC-XXX-YY-NNNNN" in " ".join(error.value.message_dict["isrc"])
