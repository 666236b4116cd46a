"""The parties' progress page (/progress/): a party sees their case's progress in plain words
after giving its number and their phone; nobody else learns anything, not even whether a
number exists; failed look-ups are rate-limited across processes; a party rates the outcome
once, after the case is closed or an agreement reached."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import CaseEvent, CaseState, EventKind
from jiefen.citizen.models import CaseRating, LookupFailure
from jiefen.citizen.selectors import ratings_summary
from jiefen.citizen.services import case_rating_submit
from jiefen.common.errors import ConflictError, DomainError

from .casework import walk
from .conftest import VALID_ID

LOOKUP = reverse("citizen:lookup")
PROGRESS = reverse("citizen:progress")
RATE = reverse("citizen:rate")
NOT_FOUND = "没有找到与该案件编号和电话号码对应的案件"
PARTIES = [
    {"role": "applicant", "kind": "person", "name": "张三", "id_number": VALID_ID, "phone": "13800138000"},
    {
        "role": "respondent",
        "kind": "person",
        "name": "李四",
        "phone": "13900139000",
        "address": "东村5组8号",
        "representative_name": "赵律师",
        "representative_phone": "13700137000",
    },
]


@pytest.fixture
def case(make_case):
    return make_case(parties=PARTIES, title="张三与李四排水纠纷", description="张三家排水沟被李四堵塞。")


def look_up(client, number, phone, ip="10.0.0.1"):
    return client.post(LOOKUP, {"number": number, "phone": phone}, REMOTE_ADDR=ip)


def rate(client, outcome=5, mediator=4, comment="调解员很耐心。"):
    return client.post(RATE, {"outcome_score": outcome, "mediator_score": mediator, "comment": comment})


def test_right_phone_shows_the_progress(client, case):
    response = look_up(client, case.number, "138 0013 8000")
    assert response.status_code == 302 and response["Location"] == PROGRESS
    page = client.get(PROGRESS)
    assert page.status_code == 200
    text = page.content.decode()
    assert case.number in text
    assert "已收到，等待受理。" in text
    assert "东村小马调解室" in text
    assert "本案申请人" in text
    assert "已收到" in text and timezone.localdate().isoformat() in text


def test_a_representatives_phone_opens_the_page_too(client, case):
    assert look_up(client, case.number, "13700137000")["Location"] == PROGRESS
    assert "本案被申请人" in client.get(PROGRESS).content.decode()


def test_the_number_is_forgiving_about_dashes_and_spaces(client, case):
    typed = " " + case.number.replace("-", "－") + " "
    assert look_up(client, typed, "13800138000").status_code == 302


def test_wrong_phone_and_unknown_number_get_the_same_answer(client, case):
    wrong_phone = look_up(client, case.number, "13811112222")
    unknown_number = look_up(client, "测试-2026-999999", "13800138000")
    for response in (wrong_phone, unknown_number):
        assert response.status_code == 200
        assert NOT_FOUND in response.content.decode()
    assert client.get(PROGRESS).status_code == 302  # nothing remembered
    assert LookupFailure.objects.count() == 4  # one per IP and one per number, each time
    # Only keyed hashes are stored.
    assert not LookupFailure.objects.filter(key_hash__contains="10.0.0.1").exists()


def test_no_other_partys_data_and_no_internal_notes(client, case, centre_staff, village_mediator):
    case = walk(case, CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    look_up(client, case.number, "13800138000")
    text = client.get(PROGRESS).content.decode()
    assert "东村小马调解室正在调解。" in text
    for secret in ("李四", "13900139000", "东村5组8号", "赵律师", "13700137000", VALID_ID, "张三与李四", "堵塞",
                   village_mediator.first_name, centre_staff.first_name, "网格员甲"):
        assert secret not in text, secret
    assert "13800138000" not in text  # not even the party's own number


def test_rate_limit_per_ip(client, case):
    for attempt in range(5):
        assert look_up(client, f"测试-2026-00009{attempt}", "13800138000").status_code == 200
    response = look_up(client, case.number, "13800138000")  # even the right answer now waits
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode() and "15 分钟" in response.content.decode()
    # Another address is not affected.
    assert look_up(client, case.number, "13800138000", ip="10.0.0.2").status_code == 302


def test_rate_limit_per_case_number_across_addresses(client, case):
    for attempt in range(5):
        look_up(client, case.number, f"1380000000{attempt}", ip=f"10.0.1.{attempt}")
    assert look_up(client, case.number, "13800138000", ip="10.0.2.1").status_code == 429
    # The window passes.
    later = timezone.now() + timedelta(minutes=16)
    with mock.patch("jiefen.citizen.services.timezone.now", return_value=later):
        assert look_up(client, case.number, "13800138000", ip="10.0.2.1").status_code == 302


def test_rate_limit_behind_a_trusted_proxy(client, case, settings):
    settings.JIEFEN_TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        client.post(LOOKUP, {"number": "x", "phone": "13800138000"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.1, 2.2.2.{attempt}")
    # Five different callers behind the proxy, each with one failure: nobody is blocked.
    ok = client.post(LOOKUP, {"number": case.number, "phone": "13800138000"}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="2.2.2.9")
    assert ok.status_code == 302


def test_the_session_remembers_the_case_for_thirty_minutes(client, case):
    look_up(client, case.number, "13800138000")
    assert client.get(LOOKUP)["Location"] == PROGRESS  # no second phone entry
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("jiefen.citizen.views.timezone.now", return_value=later):
        response = client.get(PROGRESS)
    assert response.status_code == 302 and response["Location"] == LOOKUP
    assert client.get(PROGRESS).status_code == 302


def test_leaving_forgets_the_case(client, case):
    look_up(client, case.number, "13800138000")
    client.post(reverse("citizen:forget"))
    assert client.get(PROGRESS).status_code == 302


def test_the_form_is_csrf_protected(case):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(LOOKUP, {"number": case.number, "phone": "13800138000"}).status_code == 403
    page = strict.get(LOOKUP)
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_rating_only_after_closure_and_only_once(client, case, centre_staff, village_mediator):
    look_up(client, case.number, "13800138000")
    page = client.get(PROGRESS).content.decode()
    assert "评价调解工作" not in page
    response = rate(client)
    assert response.status_code == 400
    assert not CaseRating.objects.exists()

    case = walk(case, CaseState.ARCHIVED, staff=centre_staff, mediator=village_mediator)  # rejected, then archived
    page = client.get(PROGRESS).content.decode()
    assert "已办结" in page and "评价调解工作" in page
    response = rate(client, outcome=4, mediator=5)
    assert response.status_code == 302
    rating = CaseRating.objects.get()
    assert (rating.case, rating.party.name, rating.outcome_score, rating.mediator_score) == (case, "张三", 4, 5)
    assert rating.comment == "调解员很耐心。"
    event = CaseEvent.objects.get(case=case, kind=EventKind.NOTE, action="citizen_rated")
    assert event.actor is None
    assert event.data == {"rating": rating.pk, "party_role": "applicant", "outcome_score": 4, "mediator_score": 5}

    again = rate(client, outcome=1, mediator=1)
    assert again.status_code == 409
    assert "只能评价一次" in again.content.decode()
    assert CaseRating.objects.count() == 1
    assert "您已于" in client.get(PROGRESS).content.decode()
    # The other party rates on their own.
    other = Client()
    look_up(other, case.number, "13900139000", ip="10.0.0.3")
    assert rate(other, outcome=2, mediator=3, comment="").status_code == 302
    assert ratings_summary(cases=[case.pk]) == {"count": 2, "outcome_average": 3.0, "mediator_average": 4.0}


def test_rating_after_an_agreement(case, centre_staff, village_mediator):
    case = walk(case, CaseState.AGREED, staff=centre_staff, mediator=village_mediator)
    party = case.parties.get(name="张三")
    case_rating_submit(case_id=case.pk, party_id=party.pk, outcome_score=5, mediator_score=5)
    with pytest.raises(ConflictError):
        case_rating_submit(case_id=case.pk, party_id=party.pk, outcome_score=1, mediator_score=1)


def test_rating_refused_while_mediating_and_checked(case, centre_staff, village_mediator):
    case = walk(case, CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    party = case.parties.first()
    with pytest.raises(DomainError):
        case_rating_submit(case_id=case.pk, party_id=party.pk, outcome_score=5, mediator_score=5)
    assert not CaseRating.objects.exists()
    assert not CaseEvent.objects.filter(case=case, action="citizen_rated").exists()


def test_comment_limit(client, case, centre_staff, village_mediator):
    walk(case, CaseState.ARCHIVED, staff=centre_staff, mediator=village_mediator)
    look_up(client, case.number, "13800138000")
    assert rate(client, comment="好" * 501).status_code == 400
    assert rate(client, comment="好" * 500).status_code == 302


def test_staff_see_the_ratings_on_the_case_page(client, case, centre_staff, village_mediator):
    case = walk(case, CaseState.ARCHIVED, staff=centre_staff, mediator=village_mediator)
    page_url = reverse("web:case_detail", args=[case.pk])
    client.force_login(centre_staff)
    assert "当事人评价" not in client.get(page_url).content.decode()
    party = case.parties.get(name="李四")
    case_rating_submit(case_id=case.pk, party_id=party.pk, outcome_score=3, mediator_score=2, comment="处理太慢")
    text = client.get(page_url).content.decode()
    assert "当事人评价" in text and "处理太慢" in text and "不满意" in text


def test_ratings_summary_by_subdistrict_and_unit(case, org, centre_staff, village_mediator):
    assert ratings_summary(subdistrict=org.subdistrict) == {"count": 0, "outcome_average": None, "mediator_average": None}
    case = walk(case, CaseState.ARCHIVED, staff=centre_staff, mediator=village_mediator)
    for name, score in (("张三", 5), ("李四", 2)):
        case_rating_submit(case_id=case.pk, party_id=case.parties.get(name=name).pk, outcome_score=score, mediator_score=4)
    assert ratings_summary(subdistrict=org.subdistrict)["outcome_average"] == 3.5
    assert ratings_summary(unit=org.village_room)["count"] == 2
    assert ratings_summary(unit=org.other_village_room)["count"] == 0


def test_progress_steps_in_plain_words(client, case, centre_staff, village_mediator):
    case = walk(case, CaseState.REFERRED_OUT, staff=centre_staff, mediator=village_mediator)
    look_up(client, case.number, "13800138000")
    text = client.get(PROGRESS).content.decode()
    for words in ("已受理", "已安排调解员", "开始调解", "调解终止", "诉讼", "隆昌市人民法院"):
        assert words in text, words
    assert "一方拒绝继续调解" not in text  # the reason written for the file
