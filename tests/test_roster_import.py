"""Roster (花名册) import: all rows or none, a row-by-row report, idempotent re-imports."""

import zipfile
from io import BytesIO, StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jiefen.common.errors import PermissionDenied
from jiefen.organisation import roster
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment
from jiefen.organisation.roster import roster_import
from jiefen.organisation.selectors import user_scope

from .conftest import PASSWORD

User = get_user_model()
HEADER = ["姓名", "手机号码", "角色", "单位", "区域", "登录名", "初始密码"]


def xlsx(rows, header=HEADER, title=None):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


GOOD_ROWS = [
    ["王小网", "13800000001", "网格员", "", "东村第1网格", "", ""],
    ["赵调解", 13800000002, "调解员", "东村小马调解室", "", "", ""],
    ["赵调解", "138 0000 0002", "调解员", "东村调解委员会", "", "", ""],
    ["钱中心", "13800000003", "综治中心工作人员", "测试街道综治中心", "", "qianzx", "Guhu-roster-2026"],
    ["孙联户", "13800000004", "联户员", "", "东村/东村第1网格", "sunlh", ""],
]


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="root", password=PASSWORD, email="root@example.com")


def error_cells(result):
    return {(error.row, error.column) for error in result.errors}


def test_valid_roster_creates_people_roles_and_logins(org, admin_user):
    result = roster_import(file=xlsx(GOOD_ROWS), actor=admin_user)

    assert result.ok, result.errors
    assert result.subdistrict == org.subdistrict
    assert (result.rows, result.persons_created, result.roles_created, result.users_created) == (5, 4, 5, 2)
    mediator = Person.objects.get(name="赵调解")
    assert mediator.phone == "13800000002"
    assert set(mediator.roles.values_list("unit__name", flat=True)) == {"东村小马调解室", "东村调解委员会"}
    grid_worker = Person.objects.get(name="王小网")
    assert grid_worker.user is None
    assert list(grid_worker.roles.values_list("role", "area")) == [(Role.GRID_WORKER, org.grid.id)]

    staff_user = User.objects.get(username="qianzx")
    assert staff_user.person.name == "钱中心"
    assert staff_user.check_password("Guhu-roster-2026")
    assert user_scope(staff_user).staff_subdistrict_ids == {org.subdistrict.id}
    assert not User.objects.get(username="sunlh").has_usable_password()
    assert LogEntry.objects.filter(user=admin_user).count() == 4


def test_reimport_is_idempotent_and_adds_missing_roles(org, admin_user):
    roster_import(file=xlsx(GOOD_ROWS), actor=admin_user)
    counts = (Person.objects.count(), RoleAssignment.objects.count(), User.objects.count())

    again = roster_import(file=xlsx(GOOD_ROWS), actor=admin_user)
    assert again.ok, again.errors
    assert (again.persons_created, again.roles_created, again.users_created, again.roles_unchanged) == (0, 0, 0, 5)
    assert (Person.objects.count(), RoleAssignment.objects.count(), User.objects.count()) == counts

    more = roster_import(
        file=xlsx([["王小网", "13800000001", "村民小组长", "", "东村第1网格", "", ""]]), actor=admin_user
    )
    assert more.ok, more.errors
    assert (more.persons_created, more.persons_updated, more.roles_created) == (0, 1, 1)
    assert Person.objects.count() == counts[0]
    assert set(Person.objects.get(name="王小网").roles.values_list("role", flat=True)) == {
        Role.GRID_WORKER,
        Role.GROUP_LEADER,
    }


def test_one_bad_row_changes_nothing_and_every_bad_row_is_reported(org, admin_user):
    rows = [
        GOOD_ROWS[0],
        ["周电话", "1234567", "网格员", "", "东村第1网格", "", ""],
        ["吴角色", "13800000011", "村长", "", "东村第1网格", "", ""],
        ["郑单位", "13800000012", "调解员", "北村小马调解室", "", "", ""],
        GOOD_ROWS[1],
    ]
    result = roster_import(file=xlsx(rows), actor=admin_user)

    assert not result.ok
    assert error_cells(result) == {(3, "手机号码"), (4, "角色"), (5, "单位")}
    messages = {error.row: error.message for error in result.errors}
    assert "电话号码格式不正确" in messages[3]
    assert "未知的角色“村长”" in messages[4] and "网格员" in messages[4]
    assert "北村小马调解室" in messages[5]
    assert Person.objects.count() == 0
    assert RoleAssignment.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_rows_are_checked_against_the_role(org, admin_user):
    rows = [
        ["甲", "13800000021", "网格员", "", "", "", ""],
        ["乙", "13800000022", "网格员", "", "东村", "", ""],
        ["丙", "13800000023", "调解员", "测试街道综治中心", "", "", ""],
        ["丁", "13800000024", "调解员", "", "", "", ""],
        ["", "13800000025", "领导", "", "", "", ""],
        ["戊", "13800000026", "联户员", "", "东村第1网格", "", "secret-pass-1"],
    ]
    result = roster_import(file=xlsx(rows, title="测试街道花名册"), actor=admin_user)
    # The title line pushes the header to row 2 and the data to rows 3–8.
    assert error_cells(result) == {
        (3, "区域"),
        (4, "区域"),
        (5, "单位"),
        (6, "单位"),
        (7, "姓名"),
        (7, "单位"),
        (8, "初始密码"),
    }
    assert Person.objects.count() == 0


def test_repeated_area_names_need_the_village(org, admin_user):
    Area.objects.create(name="第1网格", kind=AreaKind.GRID, parent=org.village)
    Area.objects.create(name="第1网格", kind=AreaKind.GRID, parent=org.other_village)

    ambiguous = roster_import(file=xlsx([["甲", "13800000031", "网格员", "", "第1网格", "", ""]]), actor=admin_user)
    assert error_cells(ambiguous) == {(2, "区域")}
    assert "东村/第1网格" in ambiguous.errors[0].message or "西村/第1网格" in ambiguous.errors[0].message

    settled = roster_import(file=xlsx([["甲", "13800000031", "网格员", "", "西村/第1网格", "", ""]]), actor=admin_user)
    assert settled.ok, settled.errors
    assert RoleAssignment.objects.get().area.village == org.other_village


def test_login_names_cannot_be_taken_from_someone_else(org, admin_user, village_mediator):
    result = roster_import(file=xlsx([["新人", "13800000041", "网格员", "", "东村第1网格", "vmed", ""]]), actor=admin_user)
    assert error_cells(result) == {(2, "登录名")}
    assert "已被其他人员" in result.errors[0].message


@pytest.mark.parametrize(
    "content",
    [
        b"\xd0\xcf\x11\xe0 this is what an old .xls starts with",
        "姓名,手机号码,角色\n张三,13800138000,网格员\n".encode(),
        b"",
    ],
    ids=["xls", "csv", "empty-bytes"],
)
def test_a_file_that_is_not_xlsx_is_refused(org, admin_user, content):
    result = roster_import(file=BytesIO(content), actor=admin_user)
    assert [(e.row, e.column) for e in result.errors] == [(None, "")]
    assert ".xlsx" in result.errors[0].message


def test_a_zip_that_is_not_a_workbook_is_refused(org, admin_user):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    result = roster_import(file=buffer, actor=admin_user)
    assert len(result.errors) == 1 and "已损坏" in result.errors[0].message


def test_missing_columns_are_named(org, admin_user):
    result = roster_import(file=xlsx([["张三", "网格员"]], header=["姓名", "角色"]), actor=admin_user)
    assert len(result.errors) == 1
    assert result.errors[0].column == "手机号码"
    assert "缺少必需的列：手机号码" in result.errors[0].message

    no_header = roster_import(file=xlsx([["张三", "13800138000", "网格员"]], header=None), actor=admin_user)
    assert "缺少必需的列：姓名、手机号码、角色" in no_header.errors[0].message


def test_empty_and_header_only_files(org, admin_user):
    empty = roster_import(file=xlsx([], header=None), actor=admin_user)
    assert "空" in empty.errors[0].message
    header_only = roster_import(file=xlsx([]), actor=admin_user)
    assert "只有表头" in header_only.errors[0].message


def test_too_many_rows(org, admin_user, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    rows = [[f"人员{i}", f"1380000010{i}", "网格员", "", "东村第1网格"] for i in range(4)]
    result = roster_import(file=xlsx(rows), actor=admin_user)
    assert len(result.errors) == 1 and "超过 3 行" in result.errors[0].message
    assert Person.objects.count() == 0


def test_only_staff_of_the_subdistrict_may_import(org, grid_worker, centre_staff):
    with pytest.raises(PermissionDenied):
        roster_import(file=xlsx(GOOD_ROWS), actor=grid_worker)
    assert roster_import(file=xlsx(GOOD_ROWS), actor=centre_staff).ok


def test_management_command(org, admin_user, tmp_path):
    good = tmp_path / "roster.xlsx"
    good.write_bytes(xlsx(GOOD_ROWS).getvalue())
    out = StringIO()
    call_command("import_roster", str(good), "--actor", "root", stdout=out)
    assert "新建人员 4" in out.getvalue()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["周电话", "1234567", "网格员", "", "东村第1网格"]]).getvalue())
    err = StringIO()
    with pytest.raises(CommandError, match="1 处问题"):
        call_command("import_roster", str(bad), stderr=err)
    assert "第2行\t手机号码" in err.getvalue()


# ---------------------------------------------------------------- admin


def upload(buffer, name="roster.xlsx"):
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=roster_xlsx_type())


def roster_xlsx_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_admin_changelist_offers_the_import(client, org, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:organisation_person_changelist"))
    assert reverse("admin:organisation_person_roster_import") in page.content.decode()


def test_admin_import_shows_counts(client, org, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:organisation_person_roster_import")
    assert client.get(url).status_code == 200

    response = client.post(url, {"file": upload(xlsx(GOOD_ROWS))})
    assert response.status_code == 200
    assert response.context["result"].ok
    assert "新建人员" in response.content.decode()
    assert Person.objects.count() == 4


def test_admin_import_shows_the_error_table(client, org, admin_user):
    client.force_login(admin_user)
    rows = [GOOD_ROWS[0], ["周电话", "1234567", "网格员", "", "东村第1网格", "", ""]]
    response = client.post(reverse("admin:organisation_person_roster_import"), {"file": upload(xlsx(rows))})
    html = response.content.decode()
    assert 'id="roster-errors"' in html
    assert "第 3 行" in html and "电话号码格式不正确" in html
    assert Person.objects.count() == 0

    not_excel = client.post(
        reverse("admin:organisation_person_roster_import"), {"file": SimpleUploadedFile("x.xlsx", b"hello")}
    )
    assert "不是有效的 Excel 工作簿" in not_excel.content.decode()


def test_admin_template_download(client, org, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:organisation_person_roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == roster_xlsx_type()
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER
    assert "东村小马调解室" in [row[0] for row in workbook["单位清单"].iter_rows(values_only=True)]
    # The blank template imports as “header only”, never as example people.
    buffer = BytesIO()
    workbook.save(buffer)
    assert "只有表头" in roster_import(file=buffer, actor=admin_user).errors[0].message


def test_admin_import_is_refused_to_non_staff(client, org, grid_worker):
    client.force_login(grid_worker)
    url = reverse("admin:organisation_person_roster_import")
    response = client.post(url, {"file": upload(xlsx(GOOD_ROWS))})
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.get(reverse("admin:organisation_person_roster_template")).status_code == 302
    assert Person.objects.filter(name="王小网").count() == 0


def test_admin_import_is_refused_to_staff_without_permission(client, org):
    clerk = User.objects.create_user(username="clerk", password=PASSWORD, is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:organisation_person_roster_import")).status_code == 403
