"""Notifications carried further by email and webhooks through an outbox written in the same
transaction as the change, and delivered later by the worker with retries and back-off."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.deadlines import deadlines_sweep
from jiefen.cases.models import Case, CaseState
from jiefen.notifications import delivery
from jiefen.notifications.delivery import outbox_deliver
from jiefen.notifications.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)
from jiefen.notifications.services import notify
from jiefen.organisation.models import Area, AreaKind, Role
from jiefen.scheduler.duties import DUTIES

from .casework import register, walk
from .concurrency_support import _sqlite_template, concurrent_db  # noqa: F401 - fixtures
from .conftest import PASSWORD, _user

pytestmark = pytest.mark.django_db

SITE = "https://jiefen.example.cn"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def with_email(user, address=None):
    user.email = address or f"{user.username}@example.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def group_bot(org):
    # Nobody listens at this address: delivery is not what these tests look at.
    return WebhookEndpoint.objects.create(name="东村群", url="http://127.0.0.1:9/hook", subdistrict=org.subdistrict)


# ---------------------------------------------------------------- enqueue, in the change's transaction


def test_notify_writes_the_deliveries_with_the_notification(village_mediator, org, make_case, group_bot):
    with_email(village_mediator)
    case = make_case()
    rows_before = OutboxMessage.objects.count()
    notify([village_mediator], kind=NotificationKind.ASSIGNED, case=case, message=f"案件 {case.number} 已分派给您，请及时受理。")
    notice = Notification.objects.get(user=village_mediator, case=case, kind=NotificationKind.ASSIGNED)
    email, hook = (
        notice.deliveries.get(channel=OutboxChannel.EMAIL),
        notice.deliveries.get(channel=OutboxChannel.WEBHOOK),
    )
    assert OutboxMessage.objects.count() == rows_before + 2
    assert (email.recipient, email.status, email.attempts) == ("vmed@example.cn", OutboxStatus.PENDING, 0)
    assert (hook.recipient, hook.endpoint) == (group_bot.url, group_bot)
    # The payload is rendered now: text, label and an absolute link to the case.
    assert email.payload == hook.payload
    assert email.payload["message"] == f"案件 {case.number} 已分派给您，请及时受理。"
    assert email.payload["title"] == "新分派"
    assert email.payload["link"] == f"{SITE}/cases/{case.pk}/"
    assert email.payload["case_number"] == case.number
    assert email.payload["notification_id"] == notice.pk


def test_a_rolled_back_change_leaves_neither_notification_nor_delivery(org, make_case, village_mediator, group_bot):
    with_email(village_mediator)

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        make_case(title="撤回的登记")  # tells the room's mediators of the new case
        assert OutboxMessage.objects.filter(notification__kind=NotificationKind.NEW_CASE).count() == 2
        raise Refused
    assert not Case.objects.filter(title="撤回的登记").exists()
    assert not Notification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_group_chat_hears_of_an_event_once_however_many_people_are_told(org, make_case, centre_staff, leader, group_bot):
    with_email(centre_staff)
    with_email(leader)
    case = make_case()
    OutboxMessage.objects.all().delete()
    notify([centre_staff, leader], kind=NotificationKind.ESCALATED, case=case, message=f"案件 {case.number} 已上报。")
    assert OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL).count() == 2
    assert OutboxMessage.objects.filter(channel=OutboxChannel.WEBHOOK).count() == 1


def test_endpoints_are_scoped_by_subdistrict_kind_and_state(org, make_case, village_mediator):
    other = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT, code="别的")
    WebhookEndpoint.objects.create(name="别的街道群", url="http://127.0.0.1:9/a", subdistrict=other)
    WebhookEndpoint.objects.create(name="只收超期", url="http://127.0.0.1:9/b", subdistrict=org.subdistrict, kinds=[NotificationKind.OVERDUE])
    WebhookEndpoint.objects.create(name="停用", url="http://127.0.0.1:9/c", subdistrict=org.subdistrict, is_active=False)
    everywhere = WebhookEndpoint.objects.create(name="全部街道", url="http://127.0.0.1:9/d")
    case = make_case()
    OutboxMessage.objects.all().delete()
    notify([village_mediator], kind=NotificationKind.ASSIGNED, case=case, message="分派")
    assert list(OutboxMessage.objects.values_list("endpoint__name", flat=True)) == [everywhere.name]
    notify([village_mediator], kind=NotificationKind.OVERDUE, case=case, message="超期", due_date=date(2026, 3, 9))
    assert set(OutboxMessage.objects.filter(notification__kind=NotificationKind.OVERDUE).values_list("endpoint__name", flat=True)) == {
        "只收超期",
        "全部街道",
    }


def test_a_notification_without_a_case_reaches_the_recipients_subdistrict(org, village_mediator, group_bot):
    other = Area.objects.create(name="别的街道", kind=AreaKind.SUBDISTRICT, code="别的")
    WebhookEndpoint.objects.create(name="别的街道群", url="http://127.0.0.1:9/a", subdistrict=other)
    notify([village_mediator], kind=NotificationKind.CARD, message="东村小马调解室被亮黄牌。", link="/assessment/cards/1/")
    (row,) = OutboxMessage.objects.all()
    assert row.endpoint == group_bot
    assert row.payload["link"] == f"{SITE}/assessment/cards/1/"
    assert row.payload["case_number"] is None


def test_a_duplicate_reminder_is_not_delivered_twice(village_mediator, make_case):
    with_email(village_mediator)
    case = make_case()
    for _attempt in range(2):
        notify([village_mediator], kind=NotificationKind.DUE_SOON, case=case, message="即将到期", due_date=date(2026, 3, 9))
    assert OutboxMessage.objects.filter(notification__kind=NotificationKind.DUE_SOON).count() == 1


def test_no_email_without_an_address_or_against_the_users_choice(org, make_case, village_mediator):
    room_mediator = _user("roommed", "东村调解室调解员", (Role.MEDIATOR, org.village_room, None))
    with_email(room_mediator)
    NotificationPreference.objects.create(user=room_mediator, email_enabled=False)
    make_case()  # tells both mediators: one opted out, the other has no address
    assert Notification.objects.filter(kind=NotificationKind.NEW_CASE).count() == 2
    assert not OutboxMessage.objects.exists()
    # Email only for the kinds chosen.
    NotificationPreference.objects.filter(user=room_mediator).update(email_enabled=True, kinds=[NotificationKind.OVERDUE])
    case = make_case()
    assert not OutboxMessage.objects.exists()
    notify([room_mediator], kind=NotificationKind.OVERDUE, case=case, message="超期", due_date=date(2026, 3, 9))
    assert OutboxMessage.objects.get().recipient == "roommed@example.cn"


# ---------------------------------------------------------------- the sweeps, set-based


@pytest.fixture
def overdue_cases(org, dispute_type, centre_staff, village_mediator):
    def make(n):
        for index in range(n):
            case = register(org, dispute_type, centre_staff, on=date(2026, 3, 2), title=f"纠纷{index}")
            walk(case, CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator, on=date(2026, 3, 2))

    return make


def test_the_deadline_sweep_enqueues_its_reminders_in_one_statement(org, overdue_cases, village_mediator, group_bot):
    with_email(village_mediator)
    overdue_cases(2)
    with CaptureQueriesContext(connection) as few:
        deadlines_sweep(today=date(2026, 4, 15))
    reminders = Notification.objects.filter(kind=NotificationKind.OVERDUE, user=village_mediator)
    assert reminders.count() == 2
    emails = OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL, notification__kind=NotificationKind.OVERDUE)
    assert sorted(emails.values_list("notification_id", flat=True)) == sorted(reminders.values_list("id", flat=True))
    # One group-chat message per case (each case's reminder is its own event).
    hooks = OutboxMessage.objects.filter(channel=OutboxChannel.WEBHOOK, endpoint=group_bot, notification__kind=NotificationKind.OVERDUE)
    assert hooks.count() == 2
    row = emails.select_related("notification__case").first()
    assert row.payload["message"] == row.notification.message and "已超过办理时限" in row.payload["message"]
    assert row.payload["link"] == f"{SITE}/cases/{row.notification.case_id}/"
    assert row.payload["title"] == "已超期"

    overdue_cases(10)
    with CaptureQueriesContext(connection) as many:
        deadlines_sweep(today=date(2026, 4, 16))
    assert emails.count() == 12 and hooks.count() == 12
    assert len(many.captured_queries) == len(few.captured_queries)
    # Running it again adds nothing.
    deadlines_sweep(today=date(2026, 4, 16))
    assert emails.count() == 12


def test_the_task_sweep_enqueues_its_reminders(org, village_mediator, centre_staff, group_bot):
    from jiefen.meetings.models import SupervisionTask

    with_email(village_mediator)
    task = SupervisionTask.objects.create(
        number="测试督-2026-0009",
        subdistrict=org.subdistrict,
        title="排查东村积案",
        owner_unit=org.village_room,
        owner=village_mediator,
        deadline=date(2026, 3, 9),
        created_by=centre_staff,
    )
    from jiefen.meetings.services import tasks_sweep

    tasks_sweep(today=date(2026, 3, 20))
    notice = Notification.objects.get(user=village_mediator, kind=NotificationKind.OVERDUE)
    assert task.number in notice.message
    assert set(notice.deliveries.values_list("channel", flat=True)) == {OutboxChannel.EMAIL, OutboxChannel.WEBHOOK}


def test_the_performance_sweep_enqueues_its_reminders(make_case, centre_staff, village_mediator, group_bot):
    from jiefen.mediation.services.agreements import performance_sweep
    from jiefen.workdays.services import add_working_days

    from .casework import today
    from .steps_agreements import draft, item, sign_all

    with_email(village_mediator)

    def agreed(due):
        case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
        sign_all(draft(case, village_mediator, on=today(), items=[item(case, due, what="赔偿款")]), village_mediator, on=today())
        return case

    due = add_working_days(today(), 2)
    agreed(due)
    with CaptureQueriesContext(connection) as few:
        performance_sweep(today=today())
    reminders = Notification.objects.filter(kind=NotificationKind.DUE_SOON, user=village_mediator)
    assert reminders.count() == 1
    emails = OutboxMessage.objects.filter(channel=OutboxChannel.EMAIL, notification__in=reminders)
    assert emails.count() == 1 and due.isoformat() in emails.get().payload["message"]
    assert OutboxMessage.objects.filter(channel=OutboxChannel.WEBHOOK, notification__in=reminders).count() == 1
    for _case in range(3):
        agreed(due)
    with CaptureQueriesContext(connection) as many:
        performance_sweep(today=today())
    assert emails.count() == 4
    assert len(many.captured_queries) == len(few.captured_queries)


# ---------------------------------------------------------------- delivery


def test_email_is_delivered_in_chinese_with_the_link(village_mediator, make_case):
    with_email(village_mediator)
    case = make_case()
    OutboxMessage.objects.all().delete()  # the new-case notice
    notify([village_mediator], kind=NotificationKind.ASSIGNED, case=case, message=f"案件 {case.number} 已分派给您，请及时受理。")
    counts = outbox_deliver()
    assert counts["sent"] == 1
    (message,) = mail.outbox
    assert message.to == ["vmed@example.cn"]
    assert message.subject == "【解纷】新分派"
    assert f"案件 {case.number} 已分派给您，请及时受理。" in message.body
    assert f"{SITE}/cases/{case.pk}/" in message.body
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")
    assert row.sent_at is not None
    # Sent is sent: the next run finds nothing.
    assert outbox_deliver()["claimed"] == 0
    assert len(mail.outbox) == 1


def _pending_email(user):
    with_email(user)
    notify([user], kind=NotificationKind.CARD, message="东村小马调解室被亮黄牌。", link="/assessment/")
    return OutboxMessage.objects.get()


def test_nothing_is_lost_when_sending_raises(village_mediator):
    row = _pending_email(village_mediator)
    now = timezone.now()
    with mock.patch.object(delivery, "_send_email", side_effect=RuntimeError("SMTP 服务器拒绝连接")):
        counts = outbox_deliver(now=now)
    assert counts == {"claimed": 1, "sent": 0, "retry": 1, "dead": 0}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claim) == (OutboxStatus.PENDING, 1, "")
    assert "SMTP 服务器拒绝连接" in row.last_error
    assert now + timedelta(seconds=45) <= row.next_attempt_at <= now + timedelta(seconds=75)
    # The mail server unreachable altogether: the same.
    with mock.patch.object(delivery, "get_connection", side_effect=OSError("Connection refused")):
        assert outbox_deliver(now=now + timedelta(minutes=2))["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 2)
    # And it goes out once the server is back.
    outbox_deliver(now=now + timedelta(minutes=10))
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(mail.outbox) == 1


def test_a_worker_that_dies_mid_batch_leaves_rows_that_are_taken_again(village_mediator):
    row = _pending_email(village_mediator)
    now = timezone.now()
    with mock.patch.object(delivery, "_record", side_effect=SystemExit("killed")), pytest.raises(SystemExit):
        outbox_deliver(now=now)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENDING, 1)
    # While the lease runs, nobody else takes it …
    assert outbox_deliver(now=now + timedelta(minutes=5))["claimed"] == 0
    # … after it, the next run does (the message may go out twice: at least once, never lost).
    assert outbox_deliver(now=now + timedelta(minutes=11))["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


def test_dead_after_the_last_attempt_and_handed_back_from_the_admin(client, village_mediator, settings):
    settings.JIEFEN_OUTBOX_MAX_ATTEMPTS = 3
    row = _pending_email(village_mediator)
    at = timezone.now()
    with mock.patch.object(delivery, "_send_email", side_effect=OSError("550 mailbox unavailable")):
        for _attempt in range(3):
            outbox_deliver(now=at)
            at += timedelta(hours=7)  # past any back-off
        row.refresh_from_db()
        assert (row.status, row.attempts) == (OutboxStatus.DEAD, 3)
        assert "550" in row.last_error
        assert outbox_deliver(now=at + timedelta(days=1))["claimed"] == 0  # kept, not retried

    admin = get_user_model().objects.create_superuser("root", "root@example.cn", PASSWORD)
    client.force_login(admin)
    changelist = reverse("admin:notifications_outboxmessage_changelist")
    page = client.get(changelist, {"status__exact": OutboxStatus.DEAD})
    assert page.status_code == 200 and "重新投递" in page.content.decode()
    response = client.post(changelist, {"action": "retry", "_selected_action": [row.pk]}, follow=True)
    assert "已将1条消息交回投递" in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    entry = LogEntry.objects.get(object_id=str(row.pk))
    assert entry.user == admin and "重新投递" in entry.change_message and "投递失败" in entry.change_message
    assert outbox_deliver()["sent"] == 1
    assert len(mail.outbox) == 1


def test_an_endpoint_switched_off_fails_its_waiting_messages_without_retrying(org, village_mediator, group_bot):
    notify([village_mediator], kind=NotificationKind.CARD, message="亮牌")
    WebhookEndpoint.objects.filter(pk=group_bot.pk).update(is_active=False)
    assert outbox_deliver()["dead"] == 1
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.DEAD and "停用" in row.last_error


def test_a_user_without_scope_cannot_retry(client, village_mediator):
    row = _pending_email(village_mediator)
    staff = get_user_model().objects.create_user("clerk", password=PASSWORD, is_staff=True)
    client.force_login(staff)
    response = client.post(reverse("admin:notifications_outboxmessage_changelist"), {"action": "retry", "_selected_action": [row.pk]})
    assert response.status_code == 403
    assert not LogEntry.objects.exists()


def test_delivery_is_a_duty_every_minute():
    duty = next(duty for duty in DUTIES if duty.name == "outbox_deliver")
    assert duty.interval == timedelta(minutes=1) and not duty.inline
    assert duty.task_path == "jiefen.notifications.tasks.outbox_deliver_task"
    purge = next(duty for duty in DUTIES if duty.name == "outbox_purge")
    assert purge.interval == timedelta(days=1) and purge.task_path == "jiefen.notifications.tasks.outbox_purge_task"


def test_the_task_reminder_links_to_the_task(org, village_mediator, centre_staff):
    """The 督办 assignment goes through notify(): kind 督办任务, a link to the task, an email."""
    from jiefen.meetings.models import Meeting, MeetingKind
    from jiefen.meetings.services import decision_create_task, meeting_record_minutes, meeting_schedule_period
    from jiefen.organisation.models import Person

    commissioner = _user("pl", "政法委员", (Role.POLITICAL_LEGAL_COMMISSIONER, org.centre, None))
    with_email(village_mediator)
    held = date(2026, 9, 30)
    meeting_schedule_period(today=held)
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION)
    me = Person.objects.get(user=commissioner)
    meeting_record_minutes(meeting_id=meeting.pk, actor=commissioner, attendance={me.pk: "present"}, notes="会商", held_at=timezone.now())
    task = decision_create_task(
        meeting_id=meeting.pk, actor=commissioner, decision="限期化解", title="东村积案", owner_unit=org.village_room, owner=village_mediator, today=held
    )
    notice = Notification.objects.get(user=village_mediator, kind=NotificationKind.TASK)
    (row,) = notice.deliveries.all()
    assert row.payload["link"] == f"{SITE}/tasks/{task.pk}/"
    assert row.payload["title"] == "督办任务"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_running_at_once_send_each_message_once(concurrent_db, org, village_mediator):  # noqa: F811
    with_email(village_mediator)
    for index in range(30):
        notify([village_mediator], kind=NotificationKind.CARD, message=f"通报{index}")
    assert OutboxMessage.objects.count() == 30
    outcomes = concurrent_db.run(*[(lambda: outbox_deliver(batch=10)) for _worker in range(4)])
    assert [error for _result, error in outcomes if error is not None] == []
    assert sum(result["sent"] for result, _error in outcomes) == 30
    assert len(mail.outbox) == 30
    assert sorted(message.body.splitlines()[0] for message in mail.outbox) == sorted(f"通报{index}" for index in range(30))
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}


def test_the_command_sends_what_is_due(village_mediator):
    from io import StringIO

    from django.core.management import call_command

    _pending_email(village_mediator)
    out = StringIO()
    call_command("outbox_deliver", "--until-empty", stdout=out)
    assert "sent=1" in out.getvalue()
    assert len(mail.outbox) == 1
