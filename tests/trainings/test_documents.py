"""Paper for a course: the roster PDF for the trainer, the certificate PDF for who attended."""

from __future__ import annotations

from tests.pdftext import pdf_text
from tests.trainings.web import World, enrol, person, signed_in
from veikart.trainings.constants import EnrolmentStatus
from veikart.trainings.models import Enrolment


def test_the_trainer_prints_the_roster_of_his_session(world: World) -> None:
    enrol(world.fatima, world.session)
    per = signed_in(world.org.per)
    response = per.get(f"/opplaering/okter/{world.session.pk}/deltakerliste.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Teams grunnkurs" in text and "Fatima Ahmed" in text and "Glenne sykehjem" in text
    assert "Deltakerliste" in text


def test_others_cannot_print_a_roster(world: World) -> None:
    nils = signed_in(world.org.nils)
    assert nils.get(f"/opplaering/okter/{world.session.pk}/deltakerliste.pdf").status_code == 403


def test_a_certificate_only_for_who_attended_and_only_their_own(world: World) -> None:
    enrol(world.fatima, world.session)
    enrolment = Enrolment.objects.get(employee=person("1006"), session=world.session)
    fatima = signed_in(world.fatima)
    url = f"/opplaering/pameldinger/{enrolment.pk}/kursbevis.pdf"
    assert fatima.get(url).status_code == 404  # enrolled, not attended yet
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.ATTENDED)
    response = fatima.get(url)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Kursbevis" in text and "Fatima Ahmed" in text and "Teams grunnkurs" in text
    assert "2 timer" in text
    # Someone else's certificate does not exist for them.
    assert signed_in(world.orjan).get(url).status_code == 404
    assert "Kursbevis" in signed_in(world.fatima).get("/opplaering/mine/").content.decode()
