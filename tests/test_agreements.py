"""Agreements (人民调解法 Art. 28–30, MOJ 2002 Art. 35): a written agreement takes effect only with
every party's signature, seal or fingerprint, the mediator's signature and the committee's seal;
an oral one when registered; taking effect is what moves the case to 达成协议."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiefen.cases.models import AgreementForm, Case, CaseEvent, CaseState, EventKind
from jiefen.cases.services import case_transition
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied
from jiefen.mediation.models import Agreement, AgreementSignature, SignerKind, SignMethod
from jiefen.mediation.services.agreements import (
    agreement_attach_scan,
    agreement_draft,
    agreement_register_oral,
    agreement_sign,
    committee_of,
    missing_signatures,
)

from .casework import act, snapshot, today, walk
from .steps_agreements import at, draft, item, sign_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediating(make_case, centre_staff, village_mediator):
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)


def parties(case):
    return list(case.parties.order_by("id"))


def notes(case, action):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.NOTE, action=action).order_by("id"))


# ---------------------------------------------------------------- taking effect


@pytest.mark.parametrize("missing", ["applicant", "respondent", "mediator", "committee_seal"])
def test_a_written_agreement_missing_any_one_signature_is_not_effective(missing, mediating, village_mediator):
    agreement = draft(mediating, village_mediator, on=today(), due=today() + timedelta(days=10))
    applicant, respondent = parties(mediating)
    skip = {"applicant": applicant.pk, "respondent": respondent.pk}.get(missing, missing)
    sign_all(agreement, village_mediator, on=today(), skip={skip})

    agreement.refresh_from_db()
    assert agreement.effective_at is None
    assert len(missing_signatures(agreement)) == 1
    case = Case.objects.get(pk=mediating.pk)
    assert case.state == CaseState.MEDIATING and case.agreement_form == "" and case.concluded_at is None
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION, action="reach_agreement").exists()


def test_the_last_signature_makes_it_effective_and_reaches_agreement(mediating, village_mediator):
    first_due, last_due = today() + timedelta(days=5), today() + timedelta(days=20)
    applicant, respondent = parties(mediating)
    agreement = draft(
        mediating, village_mediator, on=today(),
        items=[item(mediating, last_due), item(mediating, first_due, what="赔偿损失800元", how="现金支付", obligor_party_id=respondent.pk)],
    )
    early = at(today()) - timedelta(hours=2)
    for party in (applicant, respondent):
        agreement_sign(agreement_id=agreement.pk, actor=village_mediator, signer_kind=SignerKind.PARTY, party_id=party.pk,
                       method=SignMethod.FINGERPRINT if party == respondent else SignMethod.SIGNATURE, signed_at=early)
    agreement_sign(agreement_id=agreement.pk, actor=village_mediator, signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE, signed_at=early)
    assert missing_signatures(agreement) == [f"加盖{agreement.committee.name}印章"]
    assert Case.objects.get(pk=mediating.pk).state == CaseState.MEDIATING

    last = at(today())
    agreement_sign(agreement_id=agreement.pk, actor=village_mediator, signer_kind=SignerKind.COMMITTEE_SEAL, method=SignMethod.SEAL, signed_at=last)

    agreement.refresh_from_db()
    assert agreement.effective_at == last  # it takes effect with the last signature
    case = Case.objects.get(pk=mediating.pk)
    assert (case.state, case.agreement_form, case.performance_due) == (CaseState.AGREED, AgreementForm.WRITTEN, last_due)
    step = CaseEvent.objects.get(case=case, kind=EventKind.TRANSITION, action="reach_agreement")
    assert step.actor == village_mediator and step.data["performance_due"] == last_due.isoformat()
    assert len(notes(case, "agreement_signed")) == 4
    assert len(notes(case, "agreement_effective")) == 1
    # Nothing more to sign once it is in force.
    with pytest.raises(DomainError, match="已于"):
        agreement_sign(agreement_id=agreement.pk, actor=village_mediator, signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE)


def test_a_village_room_agreement_carries_the_village_committee_seal(mediating, village_mediator, org):
    agreement = draft(mediating, village_mediator, on=today(), due=today())
    assert mediating.assigned_unit == org.village_room
    assert agreement.committee == org.village_committee == committee_of(org.village_room)
    assert committee_of(org.subdistrict_room) == org.subdistrict_committee
    assert agreement.mediator == village_mediator


def test_an_oral_agreement_takes_effect_when_registered(mediating, village_mediator):
    agreement = draft(mediating, village_mediator, on=today(), form=AgreementForm.ORAL, due=today())
    with pytest.raises(DomainError, match="口头协议无需签署"):
        agreement_sign(agreement_id=agreement.pk, actor=village_mediator, signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE)
    assert Agreement.objects.get(pk=agreement.pk).effective_at is None

    agreement_register_oral(agreement_id=agreement.pk, actor=village_mediator)

    agreement.refresh_from_db()
    assert agreement.effective_at is not None
    case = Case.objects.get(pk=mediating.pk)
    assert (case.state, case.agreement_form, case.performance_due) == (CaseState.AGREED, AgreementForm.ORAL, today())
    assert len(notes(case, "agreement_registered")) == 1


def test_a_written_agreement_cannot_be_registered_as_oral(mediating, village_mediator):
    agreement = draft(mediating, village_mediator, on=today(), due=today())
    before = snapshot(mediating)
    with pytest.raises(DomainError, match="书面协议须经"):
        agreement_register_oral(agreement_id=agreement.pk, actor=village_mediator)
    assert snapshot(mediating) == before


def test_copies_are_one_per_party_and_one_for_the_committee(make_case, centre_staff, village_mediator):
    two = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    assert draft(two, village_mediator, on=today(), due=today()).copies == 3
    three_parties = [
        {"role": "applicant", "kind": "person", "name": "张三"},
        {"role": "respondent", "kind": "person", "name": "李四"},
        {"role": "other", "kind": "person", "name": "王五"},
    ]
    three = walk(make_case(parties=three_parties), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    agreement = draft(three, village_mediator, on=today(), due=today())
    assert agreement.copies == 4
    # And all three parties must sign before it takes effect.
    sign_all(agreement, village_mediator, on=today(), skip={parties(three)[2].pk})
    assert Agreement.objects.get(pk=agreement.pk).effective_at is None
    assert missing_signatures(agreement) == ["当事人王五签名、盖章或按指印"]


# ---------------------------------------------------------------- 达成协议 by hand


def test_reach_agreement_by_hand_is_refused_without_an_effective_agreement(mediating, village_mediator):
    kwargs = {"agreement_form": AgreementForm.WRITTEN, "performance_due": today() + timedelta(days=3)}
    before = snapshot(mediating)
    with pytest.raises(DomainError, match="尚无生效的调解协议"):
        case_transition(case_id=mediating.pk, action="reach_agreement", actor=village_mediator, **kwargs)
    assert snapshot(mediating) == before
    # A draft signed by some is not enough either.
    agreement = draft(mediating, village_mediator, on=today(), due=today())
    sign_all(agreement, village_mediator, on=today(), skip={SignerKind.COMMITTEE_SEAL})
    with pytest.raises(DomainError, match="尚无生效的调解协议"):
        case_transition(case_id=mediating.pk, action="reach_agreement", actor=village_mediator, **kwargs)
    assert Case.objects.get(pk=mediating.pk).state == CaseState.MEDIATING


# ---------------------------------------------------------------- drafting rules


def test_an_agreement_is_drafted_only_while_mediating(make_case, centre_staff, village_mediator):
    case = walk(make_case(), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator)
    with pytest.raises(IllegalTransition, match="分派"):
        draft(case, village_mediator, on=today(), due=today())
    assert not Agreement.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": []}, "items"),
        ({"what": ""}, "items-0-what"),
        ({"how": " "}, "items-0-how"),
        ({"place": ""}, "items-0-place"),
        ({"due_date": None}, "items-0-due_date"),
        ({"due_date": "past"}, "items-0-due_date"),
        ({"obligor_party_id": "other case"}, "items-0-obligor_party_id"),
        ({"responsibilities": ""}, "responsibilities"),
        ({"facts": ""}, "facts"),
        ({"form": "verbal"}, "form"),
    ],
    ids=["no-items", "no-what", "no-how", "no-place", "no-date", "date-in-the-past", "obligor-elsewhere", "no-responsibilities", "no-facts", "bad-form"],
)
def test_a_written_agreement_states_what_who_how_when_and_where(change, field, mediating, village_mediator, make_case):
    row = item(mediating, today() + timedelta(days=3))
    arguments = {
        "form": AgreementForm.WRITTEN,
        "facts": "事实",
        "matters_in_dispute": "争议",
        "responsibilities": "责任",
        "terms": "内容",
        "items": [row],
    }
    for key, value in change.items():
        if key in arguments:
            arguments[key] = value
        elif value == "past":
            row[key] = today() - timedelta(days=1)
        elif value == "other case":
            row[key] = make_case().parties.first().pk
        else:
            row[key] = value
    before = snapshot(mediating)
    with pytest.raises(ValidationError) as info:
        agreement_draft(case_id=mediating.pk, actor=village_mediator, **arguments)
    assert field in info.value.message_dict
    assert snapshot(mediating) == before
    assert not Agreement.objects.filter(case=mediating).exists()


def test_an_oral_agreement_needs_no_place_or_responsibilities(mediating, village_mediator):
    agreement = agreement_draft(
        case_id=mediating.pk, actor=village_mediator, form=AgreementForm.ORAL, facts="事实", matters_in_dispute="争议",
        terms="当场赔礼道歉", items=[item(mediating, today(), place="")],
    )
    assert agreement.items.get().place == ""


def test_a_new_draft_replaces_an_unsigned_one(mediating, village_mediator):
    old = draft(mediating, village_mediator, on=today(), due=today())
    sign_all(old, village_mediator, on=today(), skip={SignerKind.COMMITTEE_SEAL})
    new = draft(mediating, village_mediator, on=today(), due=today() + timedelta(days=1))
    with pytest.raises(DomainError, match="已被新的协议稿取代"):
        agreement_sign(agreement_id=old.pk, actor=village_mediator, signer_kind=SignerKind.COMMITTEE_SEAL, method=SignMethod.SEAL)
    assert notes(mediating, "agreement_drafted")[-1].data["replaces"] == [old.pk]
    sign_all(new, village_mediator, on=today())
    assert Agreement.objects.get(pk=new.pk).effective_at is not None
    assert Agreement.objects.get(pk=old.pk).effective_at is None


# ---------------------------------------------------------------- signing rules


def test_signature_rules(mediating, village_mediator, make_case):
    agreement = draft(mediating, village_mediator, on=today(), due=today())
    applicant = parties(mediating)[0]

    def sign(**kwargs):
        return agreement_sign(agreement_id=agreement.pk, actor=village_mediator, **kwargs)

    refusals = [
        ({"signer_kind": SignerKind.MEDIATOR, "method": SignMethod.FINGERPRINT}, "method"),
        ({"signer_kind": SignerKind.COMMITTEE_SEAL, "method": SignMethod.SIGNATURE}, "method"),
        ({"signer_kind": SignerKind.PARTY, "method": SignMethod.SIGNATURE}, "party_id"),
        ({"signer_kind": SignerKind.PARTY, "method": SignMethod.SIGNATURE, "party_id": make_case().parties.first().pk}, "party_id"),
        ({"signer_kind": "witness", "method": SignMethod.SIGNATURE}, "signer_kind"),
        ({"signer_kind": SignerKind.PARTY, "method": "stamp", "party_id": applicant.pk}, "method"),
        (
            {"signer_kind": SignerKind.PARTY, "method": SignMethod.SIGNATURE, "party_id": applicant.pk, "signed_at": timezone.now() + timedelta(hours=1)},
            "signed_at",
        ),
    ]
    for kwargs, field in refusals:
        with pytest.raises(ValidationError) as info:
            sign(**kwargs)
        assert field in info.value.message_dict, kwargs
    assert not AgreementSignature.objects.filter(agreement=agreement).exists()

    sign(signer_kind=SignerKind.PARTY, method=SignMethod.SEAL, party_id=applicant.pk)
    with pytest.raises(ValidationError, match="已登记当事人张三的签署"):
        sign(signer_kind=SignerKind.PARTY, method=SignMethod.SIGNATURE, party_id=applicant.pk)
    sign(signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE)
    with pytest.raises(ValidationError, match="已登记调解员的签署"):
        sign(signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE)
    assert AgreementSignature.objects.filter(agreement=agreement).count() == 2


@pytest.mark.parametrize("persona", ["other_village_mediator", "grid_worker", "leader", "outsider"])
def test_only_those_handling_the_case_draft_and_sign(persona, request, mediating, village_mediator):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        draft(mediating, user, on=today(), due=today())
    agreement = draft(mediating, village_mediator, on=today(), due=today())
    with pytest.raises(PermissionDenied):
        agreement_sign(agreement_id=agreement.pk, actor=user, signer_kind=SignerKind.MEDIATOR, method=SignMethod.SIGNATURE)
    assert not agreement.signatures.exists()


def test_the_agreement_is_reached_on_the_day_it_took_effect(make_case, centre_staff, village_mediator):
    """Signatures entered the next morning: the mediation limit is judged on the signing day."""
    signed_on = date(2026, 3, 10)
    case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=signed_on - timedelta(days=30))
    assert case.mediation_due_date == signed_on
    agreement = draft(case, village_mediator, on=signed_on, due=signed_on + timedelta(days=5))
    sign_all(agreement, village_mediator, on=signed_on)
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.AGREED and not case.is_overdue
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).exists()


# ---------------------------------------------------------------- the scan


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


def test_the_signed_scan_is_checked_by_content(mediating, village_mediator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agreement = draft(mediating, village_mediator, on=today(), due=today())
    with pytest.raises(ValidationError, match="PDF、JPEG或PNG"):
        agreement_attach_scan(agreement_id=agreement.pk, actor=village_mediator, uploaded_file=SimpleUploadedFile("协议.pdf", b"MZ\x90\x00 not a pdf"))
    settings.JIEFEN_AGREEMENT_SCAN_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="不能超过"):
        agreement_attach_scan(agreement_id=agreement.pk, actor=village_mediator, uploaded_file=SimpleUploadedFile("协议.pdf", PDF + b" " * 200))
    settings.JIEFEN_AGREEMENT_SCAN_MAX_BYTES = 10 * 1024 * 1024
    assert not Agreement.objects.get(pk=agreement.pk).signed_scan

    agreement_attach_scan(agreement_id=agreement.pk, actor=village_mediator, uploaded_file=SimpleUploadedFile("协议.jpg", PNG))
    agreement.refresh_from_db()
    assert agreement.signed_scan.name.endswith(".png")  # named by what it is, not what it says
    assert agreement.signed_scan.read() == PNG
    event = notes(mediating, "agreement_scan_attached")[-1]
    assert event.data["content_type"] == "image/png" and len(event.data["sha256"]) == 64
    agreement_attach_scan(agreement_id=agreement.pk, actor=village_mediator, uploaded_file=SimpleUploadedFile("协议.pdf", PDF))
    agreement.refresh_from_db()
    assert agreement.signed_scan.name.endswith(".pdf")


# ---------------------------------------------------------------- termination without agreement (Art. 26)


def test_termination_records_the_reason_and_the_routes_told(make_case, centre_staff, village_mediator):
    case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    case = act(case, "terminate", village_mediator, reason="双方分歧较大，无法达成一致")
    event = CaseEvent.objects.get(case=case, action="terminate")
    assert event.reason == "双方分歧较大，无法达成一致"
    assert event.data["routes_told"] == ["litigation", "arbitration", "administrative"]

    other = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    for bad in ([], ["mediation"], ["arbitration", "appeal"]):
        with pytest.raises(ValidationError) as info:
            act(other, "terminate", village_mediator, routes_told=bad)
        assert "routes_told" in info.value.message_dict
    other = act(other, "terminate", village_mediator, routes_told=["arbitration", "litigation"])
    assert CaseEvent.objects.get(case=other, action="terminate").data["routes_told"] == ["litigation", "arbitration"]
