"""Booking sittings: a room and a mediator are never in two overlapping sessions that are not
cancelled; back-to-back is fine; the mediators are the case's unit's (or staff's choice); and
two bookings made at the same moment cannot both win."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiefen.cases.models import CaseEvent, CaseState, EventKind
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied
from jiefen.mediation.models import Session, SessionKind, SessionStatus
from jiefen.mediation.services.sittings import session_book, session_cancel, session_mark_held
from jiefen.organisation.models import Room, RoomKind

from .casework import register, walk
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

INVESTIGATION = SessionKind.INVESTIGATION


def at(hour, minute=0, day=1):
    """A moment on a fixed day in the future, local time."""
    base = timezone.localdate() + timedelta(days=day)
    return timezone.make_aware(datetime(base.year, base.month, base.day, hour, minute))


@pytest.fixture
def room(org):
    return Room.objects.create(name="矛盾调解室", kind=RoomKind.MEDIATION, unit=org.village_room, location="东村党群服务中心")


@pytest.fixture
def other_room(org):
    return Room.objects.create(name="会议室", kind=RoomKind.MEETING, unit=org.centre)


@pytest.fixture
def cases(make_case, centre_staff, village_mediator):
    """Two assigned cases at the village room, both handled by the village mediator."""
    return [walk(make_case(), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator) for _i in range(2)]


def book(case, actor, start, end, *, mediators, room=None, place="", kind=INVESTIGATION):
    return session_book(
        case_id=case.pk,
        actor=actor,
        kind=kind,
        starts_at=start,
        ends_at=end,
        mediator_ids=[m.pk for m in mediators],
        room_id=room.pk if room else None,
        place=place,
    )


# ---------------------------------------------------------------- rooms

# (hour, minute) pairs, turned into moments inside each test: moments computed at collection
# would fall on another day than the test's own booking when a run crosses midnight.
OVERLAPS = {
    "same-slot": ((9, 0), (10, 0)),
    "starts-inside": ((9, 30), (10, 30)),
    "ends-inside": ((8, 30), (9, 30)),
    "encloses": ((8, 0), (11, 0)),
    "inside": ((9, 15), (9, 45)),
    "one-minute-overlap-at-end": ((9, 59), (11, 0)),
    "one-minute-overlap-at-start": ((8, 0), (9, 1)),
}


def moments(slot):
    return tuple(at(*hm) for hm in slot)


@pytest.mark.parametrize("slot", OVERLAPS.values(), ids=OVERLAPS.keys())
def test_a_room_is_not_booked_twice(slot, cases, room, village_mediator, org, centre_staff, subdistrict_mediator):
    first, second = cases
    booked = book(first, village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    before = CaseEvent.objects.filter(case=second).count()
    # A different mediator (staff may call on the subdistrict's), so only the room clashes.
    with pytest.raises(DomainError) as info:
        book(second, centre_staff, *moments(slot), mediators=[subdistrict_mediator], room=room)
    assert info.value.code == "room_double_booked"
    message = str(info.value)
    assert "矛盾调解室" in message and first.number in message and "09:00–10:00" in message
    assert list(Session.objects.filter(room=room)) == [booked]
    assert CaseEvent.objects.filter(case=second).count() == before


@pytest.mark.parametrize("slot", [((8, 0), (9, 0)), ((10, 0), (11, 0))], ids=["just-before", "just-after"])
def test_back_to_back_is_allowed(slot, cases, room, village_mediator):
    first, second = cases
    book(first, village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    book(second, village_mediator, *moments(slot), mediators=[village_mediator], room=room)
    assert Session.objects.filter(room=room).count() == 2


def test_a_cancelled_session_frees_the_room_and_the_mediator_a_held_one_does_not(cases, room, village_mediator):
    first, second = cases
    cancelled = book(first, village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    with pytest.raises(ValidationError):
        session_cancel(session_id=cancelled.pk, actor=village_mediator, reason="  ")
    session_cancel(session_id=cancelled.pk, actor=village_mediator, reason="当事人临时有事")
    assert Session.objects.get(pk=cancelled.pk).status == SessionStatus.CANCELLED
    event = CaseEvent.objects.filter(case=first).latest("id")
    assert (event.action, event.reason) == ("session_cancelled", "当事人临时有事")
    with pytest.raises(IllegalTransition):
        session_cancel(session_id=cancelled.pk, actor=village_mediator, reason="再取消一次")

    rebooked = book(second, village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    assert rebooked.status == SessionStatus.SCHEDULED

    # A session that took place still occupies its slot.
    past = book(first, village_mediator, at(9, day=-1), at(10, day=-1), mediators=[village_mediator], room=room)
    session_mark_held(session_id=past.pk, actor=village_mediator)
    with pytest.raises(DomainError) as info:
        book(second, village_mediator, at(9, 30, day=-1), at(11, day=-1), mediators=[village_mediator], room=room)
    assert info.value.code == "room_double_booked"


def test_held_only_once_it_has_started(cases, room, village_mediator):
    future = book(cases[0], village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    with pytest.raises(IllegalTransition) as info:
        session_mark_held(session_id=future.pk, actor=village_mediator)
    assert "尚未开始" in str(info.value)
    assert Session.objects.get(pk=future.pk).status == SessionStatus.SCHEDULED


# ---------------------------------------------------------------- mediators


@pytest.mark.parametrize("slot", OVERLAPS.values(), ids=OVERLAPS.keys())
def test_a_mediator_is_not_booked_twice(slot, cases, room, other_room, village_mediator):
    first, second = cases
    book(first, village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    with pytest.raises(DomainError) as info:
        book(second, village_mediator, *moments(slot), mediators=[village_mediator], place="李四家中")
    assert info.value.code == "mediator_double_booked"
    assert "村调解员乙" in str(info.value) and first.number in str(info.value)
    assert Session.objects.count() == 1


def test_the_mediators_belong_to_the_cases_unit_unless_staff_choose_others(
    cases, room, village_mediator, other_village_mediator, subdistrict_mediator, centre_staff
):
    case = cases[0]
    for stranger in (other_village_mediator, subdistrict_mediator, centre_staff):
        with pytest.raises(ValidationError) as info:
            book(case, village_mediator, at(9), at(10), mediators=[village_mediator, stranger], room=room)
        assert "mediators" in info.value.message_dict
        assert "东村小马调解室" in info.value.message_dict["mediators"][0]
    with pytest.raises(ValidationError):
        book(case, village_mediator, at(9), at(10), mediators=[], room=room)
    # Subdistrict staff may call on any mediator of the subdistrict's mediation bodies.
    session = book(case, centre_staff, at(9), at(10), mediators=[village_mediator, subdistrict_mediator], room=room)
    assert set(session.mediators.all()) == {village_mediator, subdistrict_mediator}
    with pytest.raises(ValidationError):
        book(case, centre_staff, at(11), at(12), mediators=[centre_staff], room=room)  # not a mediator at all


def test_times_rooms_and_people_are_checked(cases, room, village_mediator, org, grid_worker, dispute_type):
    case = cases[0]
    with pytest.raises(ValidationError) as info:
        book(case, village_mediator, at(10), at(10), mediators=[village_mediator], room=room)
    assert "ends_at" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        book(case, village_mediator, at(10), at(9), mediators=[village_mediator], room=room)
    assert "结束时间必须晚于开始时间" in info.value.message_dict["ends_at"][0]
    with pytest.raises(ValidationError) as info:
        book(case, village_mediator, at(9), at(10), mediators=[village_mediator])
    assert "room" in info.value.message_dict
    west_room = Room.objects.create(name="西村调解室", kind=RoomKind.MEDIATION, unit=org.other_village_room)
    with pytest.raises(ValidationError) as info:
        book(case, village_mediator, at(9), at(10), mediators=[village_mediator], room=west_room)
    assert "room" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        book(case, grid_worker, at(9), at(10), mediators=[village_mediator], room=room)
    assert not Session.objects.exists()


def test_a_booking_is_logged(cases, room, village_mediator):
    session = book(cases[0], village_mediator, at(9), at(10), mediators=[village_mediator], room=room)
    event = CaseEvent.objects.filter(case=cases[0]).latest("id")
    assert (event.kind, event.action, event.actor) == (EventKind.NOTE, "session_booked", village_mediator)
    assert event.data["session"] == session.pk and event.data["room_name"] == "矛盾调解室"


# ---------------------------------------------------------------- at the same moment


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("clash", ["room", "mediator"])
def test_two_bookings_at_the_same_moment_exactly_one_wins(clash, concurrent_db, org, dispute_type, centre_staff, village_mediator, subdistrict_mediator):  # noqa: F811
    """Each booking locks the room and the mediators before looking for a clash; without the
    locks both would see a free slot on PostgreSQL and both would be written."""
    cases = [walk(register(org, dispute_type, centre_staff), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator) for _i in range(2)]
    room = Room.objects.create(name="矛盾调解室", kind=RoomKind.MEDIATION, unit=org.village_room)
    if clash == "room":
        # Different mediators (staff's choice) in the same room.
        people = [[village_mediator], [subdistrict_mediator]]
        rooms = [room, room]
    else:
        # The same mediator in two places.
        people = [[village_mediator], [village_mediator]]
        rooms = [room, None]

    def booking(index):
        return lambda: session_book(
            case_id=cases[index].pk,
            actor=centre_staff,
            kind=INVESTIGATION,
            starts_at=at(9),
            ends_at=at(10),
            mediator_ids=[m.pk for m in people[index]],
            room_id=rooms[index].pk if rooms[index] else None,
            place="" if rooms[index] else "当事人家中",
        )

    outcomes = concurrent_db.run(booking(0), booking(1))
    wins = [result for result, error in outcomes if error is None]
    losses = [error for result, error in outcomes if error is not None]
    assert len(wins) == 1 and len(losses) == 1, outcomes
    assert isinstance(losses[0], DomainError), repr(losses[0])
    assert losses[0].code == f"{clash}_double_booked"
    assert list(Session.objects.values_list("pk", flat=True)) == [wins[0].pk]
