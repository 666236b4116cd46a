"""Full ID numbers and phones: masked everywhere by default, shown on request to those who may,
with the reason logged; documents masked for users without the permission."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from docx import Document as Docx

from jiefen.audit.models import AccessKind, CaseAccess
from jiefen.cases.models import CaseState

from .casework import walk
from .conftest import VALID_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case, centre_staff, village_mediator):
    return walk(make_case(channel="party_application"), CaseState.ACCEPTED, staff=centre_staff, mediator=village_mediator)


def reveal_url(case):
    return reverse("web:party_reveal", args=[case.pk, case.parties.get(name="张三").pk])


def docx_text(response):
    document = Docx(io.BytesIO(response.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_page_masks_and_reveals_on_request_with_a_reason(client, case, village_mediator):
    client.force_login(village_mediator)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert VALID_ID not in page and "13800138000" not in page and "查看完整信息" in page
    response = client.post(reveal_url(case), {"reason": ""})
    assert response.status_code == 302 and not CaseAccess.objects.filter(kind=AccessKind.REVEAL).exists()
    response = client.post(reveal_url(case), {"reason": "电话约定调解时间"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert VALID_ID in fragment and "13800138000" in fragment and "<html" not in fragment
    entry = CaseAccess.objects.get(kind=AccessKind.REVEAL)
    assert (entry.user, entry.case, entry.detail) == (village_mediator, case, "张三：电话约定调解时间")


@pytest.mark.parametrize("persona", ["leader", "grid_worker"])
def test_people_without_the_permission_cannot_reveal(client, case, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "查看完整信息" not in page
    assert client.post(reveal_url(case), {"reason": "想看"}).status_code == 403
    assert not CaseAccess.objects.filter(kind=AccessKind.REVEAL).exists()


def test_the_permission_can_be_granted_in_the_admin(client, case, leader):
    leader.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client.force_login(leader)
    response = client.post(reveal_url(case), {"reason": "督办核实"})
    assert response.status_code == 200 and VALID_ID in response.content.decode()


def test_documents_are_masked_for_users_without_the_permission(client, case, leader, village_mediator):
    url = reverse("documents:document", args=[case.pk, "application", "docx"])
    client.force_login(village_mediator)
    assert "13800138000" in docx_text(client.get(url))
    client.force_login(leader)
    text = docx_text(client.get(url))
    assert "13800138000" not in text and "138****8000" in text
