"""Document numbers under concurrency: people producing the same document at once get the same
number, and different documents of a kind never share one or leave a gap (see
tests/concurrency_support.py for how threads get their own connections, SQLite included)."""

import pytest

from jiefen.documents.builders import document_build
from jiefen.documents.models import DocumentNumber, DocumentSequence

from .casework import act, register
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_same_document_produced_at_once_gets_one_number(concurrent_db, org, dispute_type, centre_staff):  # noqa: F811
    case = act(register(org, dispute_type, centre_staff), "accept", centre_staff)
    outcomes = concurrent_db.run(*[(lambda: document_build(case, "acceptance").number) for _ in range(4)])
    assert [error for _result, error in outcomes] == [None] * 4, outcomes
    assert len({number for number, _error in outcomes}) == 1
    assert DocumentNumber.objects.filter(case=case, kind="acceptance").count() == 1
    assert DocumentSequence.objects.get(kind="acceptance").last_value == 1


def test_documents_of_different_cases_produced_at_once_get_consecutive_numbers(concurrent_db, org, dispute_type, centre_staff):  # noqa: F811
    cases = [act(register(org, dispute_type, centre_staff), "accept", centre_staff) for _ in range(4)]
    outcomes = concurrent_db.run(*[(lambda case=case: document_build(case, "acceptance").number) for case in cases])
    assert [error for _result, error in outcomes] == [None] * 4, outcomes
    values = sorted(int(number.rsplit("第", 1)[1].rstrip("号")) for number, _error in outcomes)
    assert values == [1, 2, 3, 4]
