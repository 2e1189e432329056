"""A refused cockpit page is the cockpit's own, styled, with a way back (not a bare 403)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_va_refused_a_screen_gets_a_cockpit_page_with_a_way_back(client, va):
    client.force_login(va)

    response = client.get(reverse("admin:production_renderjob_add"), HTTP_REFERER="http://testserver/admin/")

    body = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in body and "cockpit.css" in body
    assert 'href="http://testserver/admin/">Go back</a>' in body
    assert f'href="{reverse("admin:index")}">Back to the dashboard</a>' in body
