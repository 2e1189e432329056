import pytest

pytestmark = pytest.mark.django_db


def test_cockpit_dashboard_shows_the_label_name_and_panels(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lantern LoFi cockpit" in body
    assert "Tracks by status" in body
    assert "Releases due in the next 7 days" in body
