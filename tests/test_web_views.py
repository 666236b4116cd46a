"""The web UI page by page, driven through the test client with the persona fixtures."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiefen.cases import services
from jiefen.cases.models import Case, CaseEvent, CaseState, EventKind, Tier
from jiefen.notifications.models import Notification
from tests.casework import act, intake_post, prepare
from tests.conftest import VALID_ID

pytestmark = pytest.mark.django_db

PERSONAS = [
    "grid_worker",
    "village_mediator",
    "other_village_mediator",
    "subdistrict_mediator",
    "centre_staff",
    "leader",
    "outsider",
]


def detail_url(case):
    return reverse("web:case_detail", args=[case.pk])


def act_url(case, action):
    return reverse("web:case_act", args=[case.pk, action])


def text(response):
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return client


def action_urls(response):
    return set(re.findall(r'action="/cases/\d+/act/([a-z_]+)/"', text(response)))


# ---------------------------------------------------------------- pages render


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_list_and_notifications_render_for_every_persona(client, request, persona):
    login(client, request.getfixturevalue(persona))
    for name in ("web:my_work", "web:case_list", "web:notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "我的工作" in text(response)


def test_login_page_renders_and_logs_in(client, grid_worker):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "登录解纷平台" in text(response)
    response = client.post(reverse("login"), {"username": "grid", "password": "pass-for-tests-1"})
    assert response.status_code == 302
    assert response.url == reverse("web:my_work")


def test_nav_shows_unread_count_and_admin_link_only_for_staff_users(client, make_case, village_mediator, outsider):
    make_case()
    page = text(login(client, village_mediator).get(reverse("web:my_work")))
    assert '<span class="count"' in page
    assert reverse("admin:index") not in page
    outsider.is_staff = True
    outsider.save()
    page = text(login(client, outsider).get(reverse("web:my_work")))
    assert reverse("admin:index") in page
    assert reverse("web:case_new") not in page  # no role that may register


def test_nav_badge_counts_unread_notifications_up_to_99_then_shows_99_plus(client, village_mediator):
    def badge():
        page = text(login(client, village_mediator).get(reverse("web:my_work")))
        found = re.search(r'<span class="count"[^>]*>([^<]*)</span>', page)
        return found.group(1) if found else None

    assert badge() is None
    Notification.objects.bulk_create(
        Notification(user=village_mediator, kind="assigned", message=f"通知{i}") for i in range(99)
    )
    assert badge() == "99"
    Notification.objects.create(user=village_mediator, kind="assigned", message="第100条")
    assert badge() == "99+"


def test_my_work_shows_new_overdue_and_due_soon_cases(client, make_case, village_mediator):
    new = make_case(title="新登记的纠纷")
    overdue = make_case(title="超期的纠纷")
    Case.objects.filter(pk=overdue.pk).update(is_overdue=True, due_date=timezone.localdate() - timedelta(days=2))
    soon = make_case(title="即将到期的纠纷")
    services.case_transition(case_id=soon.pk, action="accept", actor=village_mediator)
    Case.objects.filter(pk=soon.pk).update(due_date=timezone.localdate())
    page = text(login(client, village_mediator).get(reverse("web:my_work")))
    overdue_part, rest = page.split('id="work-due_soon"')
    due_soon_part, new_part = rest.split('id="work-new"')
    assert overdue.number in overdue_part and "已超期" in overdue_part
    assert soon.number in due_soon_part
    assert new.number in new_part
    assert "东村" in new_part  # village column


def test_detail_shows_fields_masked_parties_qr_and_timeline(client, make_case, village_mediator, settings):
    settings.SITE_URL = "https://jiefen.example.cn"
    case = make_case(amount_in_dispute="1200.00", latitude="29.351234", longitude="105.281234")
    page = text(login(client, village_mediator).get(detail_url(case)))
    assert case.number in page
    assert "1101**********002X" in page
    assert "138****8000" in page
    assert VALID_ID not in page and "13800138000" not in page
    assert "<svg" in page and 'class="qr"' in page
    for label in ("纠纷类型", "来源渠道", "网格排查", "东村第1网格", "涉及人数", "1200.00", "29.351234", "风险等级", "复杂程度"):
        assert label in page
    assert "东村小马调解室" in page
    # the timeline names who registered it and how it was routed, in words
    assert "网格员甲" in page
    assert "一般纠纷由村(社区)小马调解室调处" in page


def test_qr_code_encodes_site_url_and_case_url(make_case, settings):
    from jiefen.web.display import case_absolute_url

    settings.SITE_URL = "https://jiefen.example.cn"
    case = make_case()
    assert case_absolute_url(case) == f"https://jiefen.example.cn/cases/{case.pk}/"


def test_print_view_is_an_a4_sheet(client, make_case, centre_staff):
    case = make_case()
    response = login(client, centre_staff).get(reverse("web:case_print", args=[case.pk]))
    page = text(response)
    assert response.status_code == 200
    assert "矛盾纠纷受理登记表" in page
    assert case.number in page and "<svg" in page
    assert "1101**********002X" in page and "两户因排水沟堵塞" in page
    assert "东村小马调解室" in page


# ---------------------------------------------------------------- actions per persona and state


def test_actions_offered_match_the_persona(client, make_case, village_mediator, centre_staff, grid_worker, leader, subdistrict_mediator):
    case = make_case()
    assert action_urls(login(client, village_mediator).get(detail_url(case))) == {"accept", "reject", "update_risk"}
    assert action_urls(login(client, centre_staff).get(detail_url(case))) == {"accept", "reject", "reroute", "update_risk"}
    for persona in (grid_worker, leader, subdistrict_mediator):
        page = login(client, persona).get(detail_url(case))
        assert action_urls(page) == set()
        assert "您对该案件没有可执行的操作" in text(page)


def test_actions_follow_the_state(client, make_case, village_mediator, centre_staff):
    case = make_case()
    services.case_transition(case_id=case.pk, action="accept", actor=village_mediator)
    login(client, village_mediator)
    assert action_urls(client.get(detail_url(case))) == {"assign", "terminate", "update_risk"}
    services.case_transition(case_id=case.pk, action="assign", actor=village_mediator, mediator=village_mediator)
    assert action_urls(client.get(detail_url(case))) == {"start_mediation", "terminate", "escalate", "update_risk", "extend_mediation"}
    prepare(case, "start_mediation", village_mediator)
    services.case_transition(case_id=case.pk, action="start_mediation", actor=village_mediator)
    services.case_transition(case_id=case.pk, action="terminate", actor=village_mediator, reason="双方分歧大")
    assert action_urls(client.get(detail_url(case))) == {"escalate", "refer_out", "update_risk"}
    # handing a case up out of the subdistrict is for centre staff only
    assert "hand_up" in action_urls(login(client, centre_staff).get(detail_url(case)))


def test_posting_accept_changes_state_and_writes_the_event(client, make_case, village_mediator):
    case = make_case()
    response = login(client, village_mediator).post(act_url(case, "accept"), {"expected_version": case.version})
    assert response.status_code == 302 and response.url == detail_url(case)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    event = CaseEvent.objects.filter(case=case).last()
    assert (event.action, event.actor, event.from_state, event.to_state) == ("accept", village_mediator, "registered", "accepted")
    page = text(client.get(detail_url(case)))
    assert "已执行“受理”" in page
    assert "登记 → 受理" in page


def test_assign_offers_the_units_mediators_and_records_the_choice(client, make_case, village_mediator, other_village_mediator):
    case = make_case()
    services.case_transition(case_id=case.pk, action="accept", actor=village_mediator)
    page = text(login(client, village_mediator).get(detail_url(case)))
    assert "村调解员乙" in page and "西村调解员" not in page
    case.refresh_from_db()
    response = client.post(act_url(case, "assign"), {"expected_version": case.version, "mediator": village_mediator.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED and case.mediator == village_mediator
    assert "承办调解员：村调解员乙" in text(client.get(detail_url(case)))


def test_stale_form_shows_the_conflict_and_changes_nothing(client, make_case, village_mediator, centre_staff):
    case = make_case()
    stale_version = case.version
    services.case_transition(case_id=case.pk, action="accept", actor=centre_staff, expected_version=stale_version)
    response = login(client, village_mediator).post(
        act_url(case, "reject"), {"expected_version": stale_version, "reason": "不属于调解范围", "pointed_to": "法院"}
    )
    assert response.status_code == 409
    assert "该案件已被综治中心丁更新" in text(response)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    # the page now offers the actions of the new state, with the new version
    assert action_urls(response) == {"assign", "terminate", "update_risk"}
    assert f'name="expected_version" value="{case.version}"' in text(response)


def test_illegal_action_shows_the_services_message(client, make_case, village_mediator):
    case = make_case()
    response = login(client, village_mediator).post(act_url(case, "archive"), {"expected_version": case.version})
    assert response.status_code == 400
    assert "案件当前状态为“登记”，不能执行“归档”" in text(response)
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED


def test_missing_required_input_shows_field_errors(client, make_case, village_mediator):
    case = make_case()
    response = login(client, village_mediator).post(
        act_url(case, "reject"), {"expected_version": case.version, "reason": "超出受理范围"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "不予受理时必须写明告知当事人的其他解决途径" in page
    assert re.search(r'<details class="action action-reject" open>', page)
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED


def test_bad_date_in_agreement_is_a_clear_message(client, make_case, village_mediator):
    case = make_case()
    for action, extra in (("accept", {}), ("assign", {"mediator": village_mediator}), ("start_mediation", {})):
        prepare(case, action, village_mediator)
        services.case_transition(case_id=case.pk, action=action, actor=village_mediator, **extra)
    case.refresh_from_db()
    login(client, village_mediator)
    response = client.post(
        act_url(case, "reach_agreement"),
        {"expected_version": case.version, "agreement_form": "written", "performance_due": "明天"},
    )
    assert response.status_code == 400
    assert "日期格式应为“年-月-日”" in text(response)
    due = timezone.localdate() + timedelta(days=10)
    response = client.post(
        act_url(case, "reach_agreement"),
        {"expected_version": case.version, "agreement_form": "written", "performance_due": due.isoformat()},
    )
    # 达成协议 comes with an agreement taking effect; by hand, without one, it is refused.
    assert response.status_code == 400 and "尚无生效的调解协议" in text(response)
    case.refresh_from_db()
    assert case.state == CaseState.MEDIATING


def test_grid_worker_and_leader_posting_an_action_are_refused(client, make_case, grid_worker, leader):
    case = make_case()
    for persona in (grid_worker, leader):
        response = login(client, persona).post(act_url(case, "accept"), {"expected_version": case.version})
        assert response.status_code == 403
        assert "您无权办理该案件" in text(response)
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED


def test_unknown_action_is_404_and_get_is_not_allowed(client, make_case, village_mediator):
    case = make_case()
    login(client, village_mediator)
    assert client.post(act_url(case, "explode"), {"expected_version": case.version}).status_code == 404
    assert client.get(act_url(case, "accept")).status_code == 405


def test_staff_reroute_risk_extend_and_recurrence(client, make_case, centre_staff, village_mediator, org):
    case = make_case()
    login(client, centre_staff)
    response = client.post(act_url(case, "reroute"), {"expected_version": case.version, "unit": org.subdistrict_committee.pk})
    assert response.status_code == 400 and "调整分流时必须填写理由" in text(response)
    response = client.post(
        act_url(case, "reroute"),
        {"expected_version": case.version, "unit": org.subdistrict_committee.pk, "reason": "涉及多户，需街道统筹"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_unit == org.subdistrict_committee and case.tier == Tier.SUBDISTRICT_COMMITTEE

    response = client.post(
        act_url(case, "update_risk"),
        {"expected_version": case.version, "risk_grade": "orange", "complexity": "complex", "reason": "矛盾激化"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.risk_grade, case.complexity) == ("orange", "complex")
    assert "风险等级：蓝 → 橙" in text(client.get(detail_url(case)))

    services.case_transition(case_id=case.pk, action="accept", actor=centre_staff)
    case.refresh_from_db()
    before = case.mediation_due_date
    response = client.post(
        act_url(case, "extend_mediation"), {"expected_version": case.version, "days": "90", "reason": "双方同意"}
    )
    assert response.status_code == 400 and "延长天数应在1至60日之间" in text(response)
    assert "extend_mediation" not in action_urls(response)  # accepted, not yet assigned: not offered
    assert Case.objects.get(pk=case.pk).mediation_due_date == before


def test_extension_and_recurrence_by_the_handling_mediator(client, make_case, village_mediator):
    case = make_case()
    services.case_transition(case_id=case.pk, action="accept", actor=village_mediator)
    services.case_transition(case_id=case.pk, action="assign", actor=village_mediator, mediator=village_mediator)
    case.refresh_from_db()
    before = case.mediation_due_date
    login(client, village_mediator)
    response = client.post(
        act_url(case, "extend_mediation"), {"expected_version": case.version, "days": "10", "reason": "双方书面同意延长"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.mediation_due_date == before + timedelta(days=10)
    for action, extra in (
        ("start_mediation", {}),
        ("reach_agreement", {"agreement_form": "oral", "performance_due": timezone.localdate()}),
        ("confirm_performed", {}),
    ):
        act(Case.objects.get(pk=case.pk), action, village_mediator, **extra)
    case.refresh_from_db()
    assert "open_recurrence" in action_urls(client.get(detail_url(case)))
    response = client.post(act_url(case, "open_recurrence"), {"expected_version": case.version, "reason": "排水沟再次堵塞"})
    assert response.status_code == 302
    new = Case.objects.get(recurrence_of=case)
    assert response.url == detail_url(new)
    assert new.title.startswith("【复发】")
    assert new.number in text(client.get(detail_url(case)))


def test_escalate_to_a_chosen_unit_then_refer_out(client, make_case, village_mediator, subdistrict_mediator, org):
    case = make_case()
    services.case_transition(case_id=case.pk, action="accept", actor=village_mediator)
    services.case_transition(case_id=case.pk, action="assign", actor=village_mediator, mediator=village_mediator)
    case.refresh_from_db()
    login(client, village_mediator)
    # the form's fields come when it is opened
    page = text(client.get(reverse("web:case_action_fields", args=[case.pk, "escalate"])))
    # tier 1 escalates to the village committee or the subdistrict room, nothing else
    assert "东村调解委员会" in page and "测试街道小马调解室" in page
    assert "测试街道人民调解委员会</option>" not in page
    response = client.post(act_url(case, "escalate"), {"expected_version": case.version, "reason": "需调委会调处"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.tier, case.assigned_unit, case.state) == (Tier.VILLAGE_COMMITTEE, org.village_committee, CaseState.ACCEPTED)
    assert "由东村小马调解室上报至东村调解委员会" in text(client.get(detail_url(case)))

    services.case_transition(case_id=case.pk, action="assign", actor=village_mediator, mediator=village_mediator)
    prepare(case, "start_mediation", village_mediator)
    services.case_transition(case_id=case.pk, action="start_mediation", actor=village_mediator)
    services.case_transition(case_id=case.pk, action="terminate", actor=village_mediator, reason="分歧大")
    case.refresh_from_db()
    response = client.post(
        act_url(case, "refer_out"), {"expected_version": case.version, "reason": "建议诉讼", "referred_to": "县人民法院"}
    )
    assert response.status_code == 400 and "请选择移送途径" in text(response)
    response = client.post(
        act_url(case, "refer_out"),
        {"expected_version": case.version, "reason": "建议诉讼", "referred_to": "县人民法院", "route": "litigation"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.referral_route, case.referred_to) == (CaseState.REFERRED_OUT, "litigation", "县人民法院")
    assert "移送途径：诉讼" in text(client.get(detail_url(case)))


def test_language_switch_after_a_refused_post_returns_to_the_case(client, make_case, village_mediator):
    case = make_case()
    response = login(client, village_mediator).post(act_url(case, "archive"), {"expected_version": case.version})
    assert f'name="next" value="{detail_url(case)}"' in text(response)


# ---------------------------------------------------------------- intake


def test_intake_page_for_a_grid_worker_preselects_the_village_and_grid(client, grid_worker, org):
    response = login(client, grid_worker).get(reverse("web:case_new"))
    page = text(response)
    assert response.status_code == 200
    assert f'<option value="{org.village.pk}" selected>东村</option>' in page
    assert f'<option value="{org.grid.pk}" selected>' in page
    assert "西村" not in page  # villages outside the worker's area are not offered
    assert "分流调整" not in page  # routing override is for centre staff


def test_intake_registers_and_reports_the_routing(client, grid_worker, org, dispute_type):
    response = login(client, grid_worker).post(reverse("web:case_new"), intake_post(org, dispute_type))
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == detail_url(case)
    assert case.reported_by == grid_worker and case.assigned_unit == org.village_room
    assert list(case.parties.values_list("name", "id_number")) == [("张三", VALID_ID)]
    page = text(client.get(response.url))
    assert f"已登记案件 {case.number}，分流至一级：村(社区)小马调解室：东村小马调解室" in page


def test_intake_with_bad_id_checksum_saves_nothing(client, grid_worker, org, dispute_type):
    bad = VALID_ID[:-1] + "3"
    response = login(client, grid_worker).post(reverse("web:case_new"), intake_post(org, dispute_type, **{"parties-0-id_number": bad}))
    assert response.status_code == 400
    assert "身份证号码校验位不正确" in text(response)
    assert "登记未保存" in text(response)
    assert not Case.objects.exists()


def test_intake_with_bad_phone_saves_nothing(client, grid_worker, org, dispute_type):
    data = intake_post(org, dispute_type, **{"parties-1-name": "李四", "parties-1-phone": "12345"})
    response = login(client, grid_worker).post(reverse("web:case_new"), data)
    assert response.status_code == 400
    assert "电话号码格式不正确" in text(response)
    assert not Case.objects.exists()


def test_intake_with_missing_fields_saves_nothing(client, grid_worker, org, dispute_type):
    data = intake_post(org, dispute_type, title="", address="", dispute_type="", **{"parties-0-name": ""})
    response = login(client, grid_worker).post(reverse("web:case_new"), data)
    page = text(response)
    assert response.status_code == 400
    assert page.count("字段是必填项") == 4  # title, type, address, the party's name
    no_party = intake_post(org, dispute_type, **{f"parties-0-{f}": "" for f in ("name", "id_number", "phone")})
    response = client.post(reverse("web:case_new"), no_party)
    assert response.status_code == 400
    assert "至少需要一名当事人" in text(response)
    assert not Case.objects.exists()


def test_intake_refuses_a_village_outside_the_users_area(client, grid_worker, org, dispute_type):
    data = intake_post(org, dispute_type, village=str(org.other_village.pk), grid=str(org.other_grid.pk))
    response = login(client, grid_worker).post(reverse("web:case_new"), data)
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_intake_duplicate_warning_requires_confirmation(client, make_case, grid_worker, org, dispute_type):
    existing = make_case()
    login(client, grid_worker)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, title="又一次排水纠纷"))
    page = text(response)
    assert response.status_code == 400
    assert "可能重复登记" in page and existing.number in page
    assert "已核实，仍要登记" in page
    assert Case.objects.count() == 1
    response = client.post(
        reverse("web:case_new"), intake_post(org, dispute_type, title="又一次排水纠纷", confirm_duplicate="on")
    )
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_duplicate_warning_does_not_disclose_cases_the_user_cannot_see(client, make_case, other_village_mediator, org, dispute_type):
    existing = make_case()
    data = intake_post(org, dispute_type, village=str(org.other_village.pk), grid="")
    response = login(client, other_village_mediator).post(reverse("web:case_new"), data)
    page = text(response)
    assert "可能重复登记" in page
    assert existing.number not in page
    assert "另有1件您无权查看的未结案件" in page


def test_staff_routing_override_needs_a_reason(client, centre_staff, org, dispute_type):
    login(client, centre_staff)
    data = intake_post(org, dispute_type, routing_unit=str(org.subdistrict_committee.pk))
    response = client.post(reverse("web:case_new"), data)
    assert response.status_code == 400
    assert "调整分流时必须填写理由" in text(response)
    assert not Case.objects.exists()
    response = client.post(reverse("web:case_new"), {**data, "routing_reason": "当事人为街道企业"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.assigned_unit == org.subdistrict_committee
    assert case.events.filter(kind=EventKind.ROUTING_OVERRIDE, reason="当事人为街道企业").exists()


def test_staff_routing_override_must_serve_the_village(client, centre_staff, org, dispute_type):
    data = intake_post(org, dispute_type, routing_unit=str(org.other_village_room.pk), routing_reason="试试")
    response = login(client, centre_staff).post(reverse("web:case_new"), data)
    assert response.status_code == 400
    assert "所选单位不服务于该村(社区)" in text(response)


def test_service_errors_land_on_the_party_row_they_name(org):
    from jiefen.web.forms import CaseIntakeForm, PartyFormSet, apply_service_errors

    form = CaseIntakeForm(data={}, user=None)
    form.errors  # noqa: B018 - run validation so add_error has somewhere to go
    parties = PartyFormSet(
        {"parties-TOTAL_FORMS": "3", "parties-INITIAL_FORMS": "0", "parties-2-name": "王五", "parties-0-name": "张三"},
        prefix="parties",
    )
    parties.is_valid()
    # the second party handed to the service was the formset's third row
    apply_service_errors(ValidationError({"parties-1-phone": "号码不对", "village": "不对的村"}), form, parties, [0, 2])
    assert parties.forms[2].errors["phone"] == ["号码不对"]
    assert "号码不对" not in str(parties.forms[1].errors)
    assert form.errors["village"][-1] == "不对的村"


def test_htmx_helpers_for_the_intake_form(client, grid_worker, org):
    login(client, grid_worker)
    response = client.get(reverse("web:intake_places"), {"village": org.village.pk}, HTTP_HX_REQUEST="true")
    page = text(response)
    assert response.status_code == 200 and 'id="place-fields"' in page
    assert "东苑小区" in page and "东村第1网格" in page
    page = text(client.get(reverse("web:intake_places"), {"village": org.other_village.pk}))
    assert "西村第1网格" not in page
    page = text(client.get(reverse("web:intake_party"), {"parties-TOTAL_FORMS": "2"}))
    assert 'name="parties-2-name"' in page
    assert 'hx-swap-oob="true"' in page and 'value="3"' in page


# ---------------------------------------------------------------- case list


def test_case_list_filters_and_keeps_them_across_pages(client, make_case, centre_staff, settings):
    settings.JIEFEN_CASE_PAGE_SIZE = 2
    cases = [make_case(title=f"排水纠纷{i}") for i in range(5)]
    make_case(title="宅基地纠纷")
    login(client, centre_staff)
    response = client.get(reverse("web:case_list"), {"q": "排水", "state": "open"})
    page = text(response)
    assert cases[4].number in page and cases[3].number in page and cases[2].number not in page
    next_link = re.search(r'href="(\?[^"]*after=\d+[^"]*)" *>下一页|rel="next" href="([^"]+)"', page)
    href = (next_link[1] or next_link[2]).replace("&amp;", "&")
    assert "q=" in href and "state=open" in href
    page = text(client.get(reverse("web:case_list") + href))
    assert cases[2].number in page and cases[1].number in page and cases[4].number not in page
    assert "宅基地纠纷" not in page


def test_case_list_filters_by_each_field(client, make_case, centre_staff, org, village_mediator):
    east = make_case(title="东村的")
    west = make_case(actor=centre_staff, title="西村的", village=org.other_village, grid=org.other_grid, risk_grade="red")
    login(client, centre_staff)

    def numbers(**params):
        page = text(client.get(reverse("web:case_list"), params))
        return {n for n in (east.number, west.number) if n in page}

    assert numbers() == {east.number, west.number}
    assert numbers(village=org.village.pk) == {east.number}
    assert numbers(risk_grade="red") == {west.number}
    assert numbers(tier=3) == {west.number}
    assert numbers(channel="grid_screening") == {east.number, west.number}
    assert numbers(state="registered") == {east.number, west.number}
    assert numbers(state="archived") == set()
    assert numbers(overdue="on") == set()
    assert numbers(mine="on") == {west.number}
    today = timezone.localdate().isoformat()
    assert numbers(created_from=today, created_to=today) == {east.number, west.number}
    assert numbers(q=east.number) == {east.number}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"village": "abc"}, "所选村(社区)不存在"),
        ({"created_from": "2026-13-45"}, "日期格式应为“年-月-日”"),
        ({"created_from": "2026-03-02", "created_to": "2026-03-01"}, "结束日期不能早于开始日期"),
        ({"state": "nonsense"}, "没有“nonsense”这个状态"),
        ({"tier": "9"}, "调处层级只能是一级、二级或三级"),
        ({"after": "x"}, "分页参数无效"),
    ],
)
def test_bad_filter_values_give_a_clear_message(client, make_case, centre_staff, params, message):
    make_case()
    response = login(client, centre_staff).get(reverse("web:case_list"), params)
    assert response.status_code == 200
    assert "筛选条件有误" in text(response)
    assert message in text(response)


@pytest.mark.parametrize("persona", ["centre_staff", "village_mediator", "grid_worker"])
def test_case_list_runs_a_bounded_number_of_queries(client, request, make_case, org, django_assert_max_num_queries, persona, settings):
    user = request.getfixturevalue(persona)
    for i in range(3):
        make_case(title=f"纠纷{i}")
    login(client, user)
    client.get(reverse("web:case_list"))  # warm the session
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("web:case_list"), {"state": "open", "village": org.village.pk}).status_code == 200
    for i in range(30):
        case = make_case(title=f"更多纠纷{i}")
        services.case_transition(case_id=case.pk, action="accept", actor=request.getfixturevalue("village_mediator"))
    settings.JIEFEN_CASE_PAGE_SIZE = 40
    with django_assert_max_num_queries(12) as many:
        response = client.get(reverse("web:case_list"), {"state": "open", "village": org.village.pk})
    assert text(response).count('class="case-row"') == 33
    assert len(many.captured_queries) == len(few.captured_queries)


# ---------------------------------------------------------------- notifications


def test_notifications_list_and_mark_read(client, make_case, village_mediator, grid_worker):
    first, second = make_case(title="第一件"), make_case(title="第二件")
    login(client, village_mediator)
    page = text(client.get(reverse("web:notifications")))
    assert first.number in page and second.number in page
    assert page.count('class="notice unread"') == 2
    one = Notification.objects.get(user=village_mediator, case=first)
    assert client.post(reverse("web:notification_read", args=[one.pk])).status_code == 302
    one.refresh_from_db()
    assert one.read_at is not None
    assert Notification.objects.filter(user=village_mediator, read_at__isnull=True).count() == 1
    # somebody else's notification cannot be touched
    assert login(client, grid_worker).post(reverse("web:notification_read", args=[one.pk])).status_code == 404
    login(client, village_mediator)
    response = client.post(reverse("web:notifications_read_all"), follow=True)
    assert "已将1条通知标为已读" in text(response)
    assert not Notification.objects.filter(user=village_mediator, read_at__isnull=True).exists()
    assert '<span class="count"' not in text(response)


# ---------------------------------------------------------------- language


def test_language_switch_to_english(client, make_case, village_mediator):
    case = make_case()
    login(client, village_mediator)
    assert "我的工作" in text(client.get(reverse("web:my_work")))
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:my_work")})
    assert response.status_code == 302
    page = text(client.get(reverse("web:my_work")))
    assert "My work" in page and "Cases" in page and "New cases awaiting acceptance" in page
    assert "我的工作" not in page
    page = text(client.get(detail_url(case)))
    assert "Registered" in page and "<summary>Accept</summary>" in page and "Dispute type" in page
    client.post(act_url(case, "accept"), {"expected_version": case.version})
    page = text(client.get(detail_url(case)))
    # the same Chinese word is "Accept" as an action and "Accepted" as a state
    assert '<span class="badge state state-accepted">Accepted</span>' in page
    assert "Done: &quot;Accept&quot;. The case is now: Accepted." in page
    assert "Assignment due" in page
    page = text(client.get(reverse("web:case_new")))
    assert "Register a dispute" in page and "Parties" in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我的工作" in text(client.get(reverse("web:my_work")))


def test_chinese_is_shown_to_an_english_browser_until_the_user_switches(client, centre_staff):
    client.force_login(centre_staff)
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "案件列表" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    page = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "案件列表" not in page.content.decode()


def test_my_work_lists_open_cases_that_are_on_time(client, make_case, village_mediator):
    case = make_case()
    from jiefen.cases.services import case_transition

    case_transition(case_id=case.pk, action="accept", actor=village_mediator)
    case_transition(case_id=case.pk, action="assign", actor=village_mediator, mediator=village_mediator)
    client.force_login(village_mediator)
    page = client.get("/")
    in_progress = page.context["sections"][3]
    assert in_progress[0] == "in_progress"
    assert [c.pk for c in in_progress[2]] == [case.pk]


def test_the_inbox_opens_what_a_notification_is_about(client, village_mediator):
    from jiefen.notifications.models import NotificationKind
    from jiefen.notifications.services import notify

    notify([village_mediator], kind=NotificationKind.CARD, message="东村调解委员会亮黄牌。", link="/assessment/units/7/")
    page = text(login(client, village_mediator).get(reverse("web:notifications")))
    assert 'href="/assessment/units/7/"' in page and "查看详情" in page
    assert reverse("notifications:settings") in page


def test_a_field_names_its_help_and_its_error_for_screen_readers(client, centre_staff, org, dispute_type):
    data = intake_post(org, dispute_type, routing_unit=str(org.other_village_room.pk), routing_reason="试试")
    page = text(login(client, centre_staff).post(reverse("web:case_new"), data))
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert any(name.endswith("_error") for value in described for name in value.split())
    # every id an input points at is on the page
    for value in described:
        for name in value.split():
            assert f'id="{name}"' in page, name
