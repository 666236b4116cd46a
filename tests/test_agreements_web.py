"""The agreement section of the case page: draft, sign, perform, confirm and visit through the
forms, refusals shown beside the fields, nothing offered to those who may not act."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case, CaseState
from jiefen.mediation.models import Agreement, JudicialConfirmation, ReturnVisit
from jiefen.organisation.models import Unit, UnitKind

from .casework import walk
from .test_agreements import PDF

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def detail(case):
    return reverse("web:case_detail", args=[case.pk])


def url(case, op, row=None):
    if row is None:
        return reverse("agreements:act", args=[case.pk, op])
    return reverse("agreements:act_row", args=[case.pk, op, row])


def forms_on(response):
    return set(re.findall(r'action="/cases/\d+/agreements/([a-z_]+)/', text(response)))


@pytest.fixture
def mediating(make_case, centre_staff, village_mediator):
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)


def draft_post(case, **overrides):
    applicant, respondent = case.parties.order_by("id")
    due = timezone.localdate() + timedelta(days=7)
    data = {
        "form": "written",
        "facts": "两户因排水沟堵塞发生争执。",
        "matters_in_dispute": "排水沟疏通及损失承担。",
        "responsibilities": "李四负主要责任。",
        "terms": "李四疏通排水沟并赔偿张三损失500元。",
        "items-0-what": "疏通排水沟",
        "items-0-obligor_party_id": str(respondent.pk),
        "items-0-how": "自行雇工",
        "items-0-due_date": due.isoformat(),
        "items-0-place": "东村3组12号",
        "items-2-what": "赔偿损失500元",
        "items-2-obligor_party_id": str(respondent.pk),
        "items-2-how": "现金",
        "items-2-due_date": due.isoformat(),
        "items-2-place": "村委会",
    }
    data.update(overrides)
    return data


def test_from_draft_to_return_visit_through_the_page(client, mediating, village_mediator, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(village_mediator)
    page = client.get(detail(mediating))
    assert "调解协议与履行" in text(page) and forms_on(page) == {"draft"}
    assert "reach_agreement" not in text(page)  # no bare 达成协议 button: the agreement takes the step

    response = client.post(url(mediating, "draft"), draft_post(mediating))
    assert response.status_code == 302
    agreement = Agreement.objects.get(case=mediating)
    assert [i.what for i in agreement.items.order_by("id")] == ["疏通排水沟", "赔偿损失500元"]
    page = client.get(detail(mediating))
    assert "生效前尚需" in text(page) and "加盖东村调解委员会印章" in text(page)
    assert {"sign", "scan"} <= forms_on(page)

    applicant, respondent = mediating.parties.order_by("id")
    for signer, method in ((f"party:{applicant.pk}", "signature"), (f"party:{respondent.pk}", "fingerprint"), ("mediator", "signature"), ("committee_seal", "seal")):
        response = client.post(url(mediating, "sign", agreement.pk), {"signer": signer, "method": method})
        assert response.status_code == 302, text(response)
    case = Case.objects.get(pk=mediating.pk)
    assert case.state == CaseState.AGREED
    page = client.get(detail(case))
    assert "已生效" in text(page) and "3份" in text(page)
    assert "协议签署" in text(page)  # the timeline names the notes
    assert {"mark", "jc_apply", "visit"} <= forms_on(page)

    response = client.post(url(case, "scan", agreement.pk), {"file": SimpleUploadedFile("scan.pdf", PDF)})
    assert response.status_code == 302
    download = client.get(reverse("agreements:scan", args=[case.pk, agreement.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    court = Unit.objects.create(name="测试人民法庭", kind=UnitKind.PEOPLES_TRIBUNAL, area=org.subdistrict)
    response = client.post(
        url(case, "jc_apply", agreement.pk),
        {"court_id": court.pk, "applied_on": timezone.localdate().isoformat(), "applicant_party_ids": [applicant.pk, respondent.pk]},
    )
    assert response.status_code == 302
    confirmation = JudicialConfirmation.objects.get(agreement=agreement)
    assert "法院决定是否受理" in text(client.get(detail(case)))

    for row in agreement.items.order_by("id"):
        response = client.post(url(case, "mark", row.pk), {"performed_on": timezone.localdate().isoformat(), "note": ""})
        assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.PERFORMED

    response = client.post(
        url(case, "visit"),
        {"party_id": applicant.pk, "visited_on": timezone.localdate().isoformat(), "method": "电话回访", "performance": "performed", "satisfaction": "satisfied"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == CaseState.VISITED
    assert ReturnVisit.objects.filter(case=case).count() == 1
    assert confirmation.pk


def test_a_refused_draft_shows_the_reason_beside_the_field(client, mediating, village_mediator):
    client.force_login(village_mediator)
    response = client.post(url(mediating, "draft"), draft_post(mediating, **{"items-2-place": ""}))
    assert response.status_code == 400
    page = text(response)
    assert "书面协议应写明履行地点" in page
    assert re.search(r'<details class="action action-ag-draft" open>', page)
    # The message sits in the third row, where the place was left out.
    third = page[page.index('name="items-2-place"') - 400 : page.index('name="items-2-place"') + 400]
    assert "书面协议应写明履行地点" in third
    assert not Agreement.objects.filter(case=mediating).exists()


def test_those_who_may_not_act_see_no_forms_and_are_refused(client, mediating, village_mediator, leader):
    client.force_login(village_mediator)
    client.post(url(mediating, "draft"), draft_post(mediating))
    agreement = Agreement.objects.get(case=mediating)
    client.force_login(leader)
    page = client.get(detail(mediating))
    assert "调解协议与履行" in text(page) and forms_on(page) == set()
    response = client.post(url(mediating, "sign", agreement.pk), {"signer": "mediator", "method": "signature"})
    assert response.status_code == 403
    assert not agreement.signatures.exists()


def test_a_case_not_yet_in_mediation_has_no_agreement_section(client, make_case, village_mediator):
    client.force_login(village_mediator)
    assert "调解协议与履行" not in text(client.get(detail(make_case())))


def test_rows_of_another_case_are_not_found(client, mediating, make_case, village_mediator, centre_staff):
    client.force_login(village_mediator)
    client.post(url(mediating, "draft"), draft_post(mediating))
    agreement = Agreement.objects.get(case=mediating)
    other = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    assert client.post(url(other, "sign", agreement.pk), {"signer": "mediator", "method": "signature"}).status_code == 404
    assert client.post(url(other, "explode")).status_code == 404
    assert client.get(reverse("agreements:scan", args=[mediating.pk, agreement.pk])).status_code == 404  # no scan yet


def test_row_forms_come_when_opened_and_without_javascript(client, mediating, village_mediator):
    client.force_login(village_mediator)
    client.post(url(mediating, "draft"), draft_post(mediating))
    agreement = Agreement.objects.get(case=mediating)
    page = text(client.get(detail(mediating)))
    # closed: the title and where it posts, a multipart upload kept multipart, no fields
    scan = page[page.index(f'id="action-ag-scan-{agreement.pk}"') :]
    assert scan[: scan.index(">")].endswith('enctype="multipart/form-data"')
    assert f'{detail(mediating)}?open=ag-sign-{agreement.pk}#action-ag-sign-{agreement.pk}' in page
    closed = page[page.index(f'id="action-ag-sign-{agreement.pk}"') :]
    assert "name=" not in closed[: closed.index("</form>")].replace('name="csrfmiddlewaretoken"', "")
    # reloaded with ?open= it is there, open, with its fields
    page = text(client.get(detail(mediating) + f"?open=ag-sign-{agreement.pk}"))
    assert re.search(r'<details class="action action-ag-sign"[^>]* open>', page)
    opened = page[page.index(f'id="action-ag-sign-{agreement.pk}"') :]
    assert "name=" in opened[: opened.index("</form>")].replace('name="csrfmiddlewaretoken"', "")
