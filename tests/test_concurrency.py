"""Two people acting on one case at once cannot both win (DESIGN §4), and concurrent
registrations never share a number. Each thread has its own database connection; see
tests/concurrency_support.py for how this also runs on SQLite."""

import threading

import pytest
from django.db import connection, connections, transaction

from jiefen.cases.models import Case, CaseEvent, CaseState, EventKind
from jiefen.cases.services import case_transition
from jiefen.common.errors import ConflictError, IllegalTransition
from jiefen.organisation.models import Unit

from .casework import register, step_kwargs
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def transition_events(case):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION))


def split(outcomes):
    wins = [result for result, error in outcomes if error is None]
    losses = [error for result, error in outcomes if error is not None]
    return wins, losses


@pytest.mark.parametrize(
    ("first", "second", "pass_version"),
    [
        ("accept", "reject", True),
        ("accept", "accept", True),
        ("accept", "accept", False),  # without a version the second finds the case already moved
    ],
    ids=["accept-vs-reject", "accept-twice", "accept-twice-no-version"],
)
def test_two_concurrent_transitions_exactly_one_wins(first, second, pass_version, concurrent_db, org, dispute_type, centre_staff, village_mediator):  # noqa: F811
    case = register(org, dispute_type, centre_staff)
    version = case.version if pass_version else None

    def move(action, actor):
        return lambda: case_transition(case_id=case.pk, action=action, actor=actor, expected_version=version, **step_kwargs(action))

    outcomes = concurrent_db.run(move(first, centre_staff), move(second, village_mediator))

    wins, losses = split(outcomes)
    assert len(wins) == 1, outcomes
    assert len(losses) == 1, outcomes
    assert isinstance(losses[0], ConflictError if pass_version else IllegalTransition), repr(losses[0])
    case.refresh_from_db()
    assert case.state == wins[0].state
    assert case.version == 1
    (event,) = transition_events(case)
    assert (event.from_state, event.to_state) == (CaseState.REGISTERED, case.state)
    winner = centre_staff if outcomes[0][1] is None else village_mediator
    assert event.actor == winner


def test_many_concurrent_transitions_still_one_winner(concurrent_db, org, dispute_type, centre_staff, village_mediator):  # noqa: F811
    case = register(org, dispute_type, centre_staff)
    actors = [centre_staff, village_mediator] * 3
    outcomes = concurrent_db.run(
        *[
            (lambda actor=actor: case_transition(case_id=case.pk, action="accept", actor=actor, expected_version=case.version))
            for actor in actors
        ]
    )
    wins, losses = split(outcomes)
    assert len(wins) == 1, outcomes
    assert all(isinstance(error, ConflictError) for error in losses), losses
    assert len(transition_events(case)) == 1
    assert Case.objects.get(pk=case.pk).version == 1


def test_concurrent_registrations_get_distinct_numbers(concurrent_db, org, dispute_type, centre_staff, village_mediator, grid_worker):  # noqa: F811
    people = [centre_staff, village_mediator, grid_worker, centre_staff]
    # The first round also races to create the year's number sequence.
    for round_number in range(2):
        outcomes = concurrent_db.run(*[(lambda person=person: register(org, dispute_type, person)) for person in people])
        wins, losses = split(outcomes)
        assert not losses, losses
        assert len({case.number for case in wins}) == len(people)
    numbers = sorted(Case.objects.values_list("number", flat=True))
    year = numbers[0].split("-")[1]
    assert numbers == [f"测试-{year}-{n:06d}" for n in range(1, 9)]


def test_a_transition_does_not_lock_the_unit_or_place_of_the_case(concurrent_db, org, dispute_type, centre_staff):  # noqa: F811
    """Transitions lock the case row only: an open transaction holding the case's unit (an
    administrator editing it, another service reading it for update) must not stall work on
    the unit's cases."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer with one database lock; row locks exist only on PostgreSQL")
    case = register(org, dispute_type, centre_staff)
    holding, released = threading.Event(), threading.Event()
    outcome = {}

    def hold_unit_and_village():
        try:
            with transaction.atomic():
                Unit.objects.select_for_update().get(pk=org.village_room.pk)
                type(org.village).objects.select_for_update().get(pk=org.village.pk)
                holding.set()
                released.wait(timeout=15)
        finally:
            connections.close_all()

    def transition():
        try:
            holding.wait(timeout=15)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '3s'")
            outcome["case"] = case_transition(case_id=case.pk, action="accept", actor=centre_staff, expected_version=case.version)
        except Exception as exc:  # noqa: BLE001
            outcome["error"] = exc
        finally:
            released.set()
            connections.close_all()

    threads = [threading.Thread(target=hold_unit_and_village), threading.Thread(target=transition)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert "error" not in outcome, repr(outcome.get("error"))
    assert outcome["case"].state == CaseState.ACCEPTED
