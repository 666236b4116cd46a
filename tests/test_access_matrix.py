"""Who may reach which case page: every persona against every case view, for a case in 东村
(reported by the 东村 grid worker, held by 东村小马调解室) and, for contrast, one in 西村."""

import pytest
from django.urls import reverse

from jiefen.cases.models import Case, CaseState

pytestmark = pytest.mark.django_db

LOGIN = "login"

# persona: (东村 case in list, 西村 case in list, detail, print, act "accept", intake page)
MATRIX = {
    "anonymous": (None, None, LOGIN, LOGIN, LOGIN, LOGIN),
    "grid_worker": (True, False, 200, 200, 403, 200),
    "village_mediator": (True, False, 200, 200, 302, 200),
    "other_village_mediator": (False, True, 404, 404, 404, 200),
    "subdistrict_mediator": (True, True, 200, 200, 403, 200),
    "centre_staff": (True, True, 200, 200, 302, 200),
    "leader": (True, True, 200, 200, 403, 403),
    "outsider": (False, False, 404, 404, 404, 403),
}
VIEWS = ["list", "detail", "print", "act", "intake"]
CASES = [(persona, view) for persona in MATRIX for view in VIEWS]


@pytest.fixture
def east_and_west(make_case, org, centre_staff):
    east = make_case(title="东村的纠纷")
    west = make_case(actor=centre_staff, title="西村的纠纷", village=org.other_village, grid=org.other_grid)
    return east, west


def _client_for(client, request, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def _assert_status(response, expected, url):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={url}"
    else:
        assert response.status_code == expected, response.content.decode()[:500]


@pytest.mark.parametrize("persona, view", CASES)
def test_access(client, request, east_and_west, persona, view):
    east, west = east_and_west
    sees_east, sees_west, detail, print_, act, intake = MATRIX[persona]
    client = _client_for(client, request, persona)

    if view == "list":
        url = reverse("web:case_list")
        response = client.get(url)
        if sees_east is None:
            _assert_status(response, LOGIN, url)
            return
        page = response.content.decode()
        assert response.status_code == 200
        assert (east.number in page) is sees_east
        assert (west.number in page) is sees_west
    elif view == "detail":
        url = reverse("web:case_detail", args=[east.pk])
        _assert_status(client.get(url), detail, url)
    elif view == "print":
        url = reverse("web:case_print", args=[east.pk])
        _assert_status(client.get(url), print_, url)
    elif view == "act":
        url = reverse("web:case_act", args=[east.pk, "accept"])
        _assert_status(client.post(url, {"expected_version": east.version}), act, url)
        expected_state = CaseState.ACCEPTED if act == 302 else CaseState.REGISTERED
        assert Case.objects.get(pk=east.pk).state == expected_state
    elif view == "intake":
        url = reverse("web:case_new")
        _assert_status(client.get(url), intake, url)


@pytest.mark.parametrize("persona", list(MATRIX))
def test_my_work_only_lists_visible_cases(client, request, east_and_west, persona):
    east, west = east_and_west
    sees_east, sees_west, *_rest = MATRIX[persona]
    client = _client_for(client, request, persona)
    response = client.get(reverse("web:my_work"))
    if sees_east is None:
        _assert_status(response, LOGIN, reverse("web:my_work"))
        return
    page = response.content.decode()
    assert west.number not in page or sees_west
    assert east.number not in page or sees_east


def test_unknown_case_is_404_like_a_hidden_one(client, village_mediator):
    client.force_login(village_mediator)
    assert client.get(reverse("web:case_detail", args=[999999])).status_code == 404
