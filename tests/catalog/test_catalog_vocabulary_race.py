"""Styles and moods are ensured race-safe: render workers on several hosts finishing their first track of a new
style at the same moment all get the one row (found by tests/lofi_site/test_site_scale_out.py: one of two
hosts failed its render with a duplicate-key error on catalog_style)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from catalog.models import Mood, Style
from catalog.services import mood_ensure, style_ensure


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database lock tables")
@pytest.mark.parametrize(("ensure", "model"), [(style_ensure, Style), (mood_ensure, Mood)])
def test_simultaneous_ensures_of_one_new_slug_make_one_row(ensure, model):
    barrier = threading.Barrier(4)
    made: list[int] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            with transaction.atomic():  # as the render job's store transaction is
                barrier.wait()
                made.append(ensure(slug="same-moment", name="Same moment").pk)
                time.sleep(0.2)  # hold the transaction open: the others meet the uncommitted row
        except Exception as error:  # collected: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(made) == 4 and len(set(made)) == 1 and model.objects.filter(slug="same-moment").count() == 1


@pytest.mark.django_db
def test_a_bad_style_is_still_refused():
    with pytest.raises(Exception, match="slug"):
        style_ensure(slug="not a slug!", name="Bad")
