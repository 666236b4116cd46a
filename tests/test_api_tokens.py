"""Personal API tokens: created with the full key shown once and only its hash stored, used
as `Token` or `Bearer`, revoked by the owner or an administrator (then 401), every change in
the audit log; and the browser's session with its CSRF check."""

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from jiefen.api.models import ApiToken, ApiTokenEvent, TokenEventKind
from jiefen.api.services import MAX_ACTIVE_TOKENS, api_token_create, api_token_revoke
from jiefen.cases.models import Case
from jiefen.common.errors import DomainError, PermissionDenied

from .conftest import PASSWORD
from .test_api import assert_error, intake

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="root", password=PASSWORD, first_name="管理员")


def detail(case):
    return reverse("api:case_detail", args=[case.pk])


# ---------------------------------------------------------------- services


def test_a_token_is_stored_as_a_hash_and_its_creation_is_audited(centre_staff):
    token, key = api_token_create(user=centre_staff, name="  区级平台对接 ")
    assert len(key) == 40
    assert token.name == "区级平台对接"
    assert token.prefix == key[:8]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)
    event = ApiTokenEvent.objects.get(token=token)
    assert (event.kind, event.actor_id, event.data) == (TokenEventKind.CREATED, centre_staff.pk, {"name": "区级平台对接"})


def test_a_token_needs_a_name_and_a_user_holds_at_most_ten(centre_staff):
    with pytest.raises(Exception) as refused:
        api_token_create(user=centre_staff, name=" ")
    assert "name" in refused.value.message_dict
    for index in range(MAX_ACTIVE_TOKENS):
        api_token_create(user=centre_staff, name=f"脚本{index}")
    with pytest.raises(DomainError) as limit:
        api_token_create(user=centre_staff, name="再来一个")
    assert limit.value.code == "token_limit"
    api_token_revoke(token_id=ApiToken.objects.first().pk, actor=centre_staff)
    api_token_create(user=centre_staff, name="吊销一个后可以再建")


def test_only_the_owner_or_an_administrator_revokes(centre_staff, leader, admin_user):
    token, _key = api_token_create(user=centre_staff, name="脚本")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token_id=token.pk, actor=leader)
    api_token_revoke(token_id=token.pk, actor=admin_user)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    event = ApiTokenEvent.objects.get(token=token, kind=TokenEventKind.REVOKED)
    assert (event.actor_id, event.data) == (admin_user.pk, {"by_owner": False})
    with pytest.raises(DomainError) as again:
        api_token_revoke(token_id=token.pk, actor=centre_staff)
    assert again.value.code == "already_revoked"
    assert ApiTokenEvent.objects.filter(token=token).count() == 2


def test_the_audit_log_is_append_only(centre_staff):
    token, _key = api_token_create(user=centre_staff, name="脚本")
    event = ApiTokenEvent.objects.get(token=token)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        ApiTokenEvent.objects.filter(token=token).update(data={})
    with pytest.raises(TypeError):
        ApiTokenEvent.objects.filter(token=token).delete()


# ---------------------------------------------------------------- using a token


def test_create_use_revoke(make_case, centre_staff):
    case = make_case()
    token, key = api_token_create(user=centre_staff, name="脚本")
    for header in (f"Token {key}", f"Bearer {key}", f"token {key}"):
        assert Client(HTTP_AUTHORIZATION=header).get(detail(case)).status_code == 200
    api_token_revoke(token_id=token.pk, actor=centre_staff)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").get(detail(case))
    error = assert_error(response, 401, "token_revoked")
    assert error["message"] == "令牌已被吊销。"
    assert response["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.parametrize("header,code", [
    ("Token not-a-real-token", "token_invalid"),
    ("Token", "token_malformed"),
    ("Bearer a b", "token_malformed"),
])
def test_bad_credentials_answer_401(make_case, header, code):
    case = make_case()
    assert_error(Client(HTTP_AUTHORIZATION=header).get(detail(case)), 401, code)


def test_a_token_of_a_deactivated_account_stops_working(make_case, centre_staff):
    case = make_case()
    _token, key = api_token_create(user=centre_staff, name="脚本")
    User.objects.filter(pk=centre_staff.pk).update(is_active=False)
    assert_error(Client(HTTP_AUTHORIZATION=f"Token {key}").get(detail(case)), 401, "user_inactive")


def test_a_token_sees_what_its_owner_sees(make_case, org, centre_staff, other_village_mediator):
    case = make_case()
    _token, key = api_token_create(user=other_village_mediator, name="脚本")
    assert_error(Client(HTTP_AUTHORIZATION=f"Token {key}").get(detail(case)), 404, "not_found")


def test_token_requests_need_no_csrf_token(org, dispute_type, grid_worker):
    _token, key = api_token_create(user=grid_worker, name="上报程序")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(reverse("api:case_list"), json.dumps(intake(org, dispute_type)), content_type="application/json")
    assert response.status_code == 201, response.content


# ---------------------------------------------------------------- the session


def test_a_browser_session_reads_and_writes_with_csrf(org, dispute_type, grid_worker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(grid_worker)
    assert client.get(reverse("api:case_list")).status_code == 200
    body = json.dumps(intake(org, dispute_type))
    refused = client.post(reverse("api:case_list"), body, content_type="application/json")
    error = assert_error(refused, 403, "csrf_failed")
    assert "X-CSRFToken" in error["message"]
    assert error["message_en"].startswith("CSRF")
    assert not Case.objects.exists()
    client.get(reverse("api:tokens"))  # any page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(reverse("api:case_list"), body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content


# ---------------------------------------------------------------- the web page


def test_the_token_page_shows_a_new_key_once(client, centre_staff):
    client.force_login(centre_staff)
    page = client.get(reverse("api:tokens"))
    assert page.status_code == 200
    assert "还没有令牌" in page.content.decode()
    created = client.post(reverse("api:tokens"), {"name": "区级平台对接"})
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    key = created.context["new_key"]
    html = created.content.decode()
    assert key in html and "区级平台对接" in html
    token = ApiToken.objects.get(user=centre_staff)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    again = client.get(reverse("api:tokens")).content.decode()
    assert key not in again and token.prefix in again


def test_the_token_page_refuses_an_empty_name(client, centre_staff):
    client.force_login(centre_staff)
    response = client.post(reverse("api:tokens"), {"name": ""})
    assert response.status_code == 400
    assert "请填写令牌的用途名称。" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_from_the_page_and_nobody_else_can(client, centre_staff, leader):
    token, key = api_token_create(user=centre_staff, name="脚本")
    client.force_login(leader)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    client.force_login(centre_staff)
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "已吊销令牌“脚本”" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == centre_staff
    assert ApiTokenEvent.objects.get(token=token, kind=TokenEventKind.REVOKED).data == {"by_owner": True}


def test_the_token_page_needs_a_login(client):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_administrator_revokes_in_the_admin(client, centre_staff, admin_user):
    token, _key = api_token_create(user=centre_staff, name="泄露的令牌")
    client.force_login(admin_user)
    changelist = reverse("admin:api_apitoken_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert ApiTokenEvent.objects.filter(token=token, kind=TokenEventKind.REVOKED, actor=admin_user).exists()
