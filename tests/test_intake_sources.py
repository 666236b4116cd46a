"""Opening a case in one step from another record: the form starts from the record's facts and
the link back is written with the case, or not at all."""

import pytest
from django.urls import reverse

from jiefen.cases.intake_sources import IntakeSource, register_intake_source
from jiefen.cases.models import Case, Channel
from jiefen.common.errors import DomainError

from .casework import intake_post

pytestmark = pytest.mark.django_db

LINKED = {}


def resolver(user, object_id):
    if object_id == 404:
        return None

    def attach(*, case, actor):
        if object_id == 500:
            raise DomainError("该记录已登记过案件。")
        LINKED[object_id] = (case.number, actor.username)

    return IntakeSource(
        token="",
        label=f"巡逻记录 {object_id}",
        initial={"channel": Channel.PATROL, "description": "巡逻中发现两户争吵。"},
        attach=attach,
    )


@pytest.fixture(autouse=True)
def patrol_source():
    register_intake_source("test-patrol", resolver)
    LINKED.clear()


def test_the_form_starts_from_the_record(client, grid_worker):
    client.force_login(grid_worker)
    page = client.get(reverse("web:case_new") + "?source=test-patrol:7").content.decode()
    assert "据此登记：巡逻记录 7" in page
    assert 'name="source" value="test-patrol:7"' in page
    assert "巡逻中发现两户争吵。" in page
    assert 'value="patrol" selected' in page


def test_registering_links_the_case_back(client, org, dispute_type, grid_worker):
    client.force_login(grid_worker)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, source="test-patrol:7", channel="patrol"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert LINKED[7] == (case.number, grid_worker.username)


def test_a_refused_link_registers_nothing(client, org, dispute_type, grid_worker):
    client.force_login(grid_worker)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, source="test-patrol:500"))
    assert response.status_code == 400
    assert "该记录已登记过案件。" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("token", ["test-patrol:404", "nosuch:1", "test-patrol:x"])
def test_an_unknown_or_unseen_record_is_refused(client, grid_worker, token):
    client.force_login(grid_worker)
    response = client.get(reverse("web:case_new") + f"?source={token}")
    assert response.status_code == 403
    assert "找不到要据以登记的记录" in response.content.decode()
