from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD, Org


def test_it_signs_in_and_links_the_user_to_the_employee(org: Org) -> None:
    from django.contrib.auth.models import User

    from veikart.organisations.models import Employee

    User.objects.create_user("fatima.ahmed@moss.kommune.no", password=PASSWORD)
    client = Client()
    response = client.post(
        "/logg-inn/", {"username": "fatima.ahmed@moss.kommune.no", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert Employee.objects.get(employee_number="1006").user is not None
    assert "Fatima Ahmed" in client.get("/organisasjon/meg/").content.decode()


def test_it_locks_sign_in_after_repeated_failures(org: Org) -> None:
    client = Client()
    for _ in range(5):
        response = client.post("/logg-inn/", {"username": "kari", "password": "wrong"})
        assert response.status_code == 200
    locked = client.post("/logg-inn/", {"username": "kari", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another person is not locked out by Kari's failures.
    assert Client().post("/logg-inn/", {"username": "ola", "password": PASSWORD}).status_code == 302
