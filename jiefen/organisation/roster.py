"""The roster (花名册): importing people and their posts from an Excel workbook.

A subdistrict keeps its ~2,700 grid people, mediators and staff in a spreadsheet and
re-sends it whenever someone joins or moves. The import is all or nothing: every row is
checked first, and if any row is wrong nothing is written and every problem is reported
with its row number, so the sender fixes the sheet and sends it again.
"""

import logging
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.common.validators import normalise_phone, validate_phone

from .models import GRID_ROLES, MEDIATION_TIER_BY_KIND, Area, AreaKind, Person, Role, RoleAssignment, Unit
from .selectors import user_scope

logger = logging.getLogger(__name__)

# The header texts are the file format, so they are not translated.
COL_NAME = "姓名"
COL_PHONE = "手机号码"
COL_ROLE = "角色"
COL_UNIT = "单位"
COL_AREA = "区域"
COL_USERNAME = "登录名"
COL_PASSWORD = "初始密码"
REQUIRED_COLUMNS = (COL_NAME, COL_PHONE, COL_ROLE)
OPTIONAL_COLUMNS = (COL_UNIT, COL_AREA, COL_USERNAME, COL_PASSWORD)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_ROWS = 20_000
# A title line such as “古湖街道网格员花名册” often sits above the header.
HEADER_SEARCH_ROWS = 10
NAME_MAX_LENGTH = Person._meta.get_field("name").max_length
AREA_PATH_SEPARATORS = re.compile(r"\s*[/／]\s*")


@dataclass(frozen=True)
class RosterError:
    row: int | None  # the Excel row number; None for a problem with the whole file
    column: str
    message: str


@dataclass
class RosterImportResult:
    subdistrict: Area | None = None
    rows: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    roles_created: int = 0
    roles_unchanged: int = 0
    users_created: int = 0
    users_linked: int = 0
    errors: list[RosterError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def file_error(self, message):
        self.errors.append(RosterError(row=None, column="", message=str(message)))
        return self


# ---------------------------------------------------------------- who may import where


def roster_subdistricts(actor):
    """Subdistricts whose roster the actor may import; None as actor is the server operator."""
    subdistricts = Area.objects.filter(kind=AreaKind.SUBDISTRICT)
    if actor is None or actor.is_superuser:
        return subdistricts
    return subdistricts.filter(id__in=user_scope(actor).staff_subdistrict_ids)


def _resolve_subdistrict(actor, subdistrict):
    allowed = roster_subdistricts(actor)
    if subdistrict is not None:
        if not allowed.filter(pk=subdistrict.pk).exists():
            raise PermissionDenied(_("您不能导入%(place)s的花名册。") % {"place": subdistrict})
        return subdistrict
    choices = list(allowed[:2])
    if not choices:
        if actor is not None and not actor.is_superuser:
            raise PermissionDenied(_("只有综治中心工作人员或系统管理员可以导入花名册。"))
        raise DomainError(_("系统中还没有街道，请先在组织架构中建立街道。"), code="no_subdistrict")
    if len(choices) > 1:
        raise DomainError(_("您可以导入多个街道的花名册，请指定导入到哪个街道。"), code="subdistrict_ambiguous")
    return choices[0]


# ---------------------------------------------------------------- reading the workbook


def _cell_text(value) -> str:
    if value is None:
        return ""
    # Excel stores a phone number typed without an apostrophe as a number, e.g. 13800138000.0.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_key(text: str) -> str:
    # Templates often mark required columns “姓名*” or “姓名（必填）”.
    text = re.sub(r"[（(]\s*(必填|选填|可选)\s*[)）]", "", text)
    return text.replace("*", "").replace("＊", "").strip()


@dataclass
class _Sheet:
    columns: dict  # header text -> column index
    rows: list  # (excel row number, {header: text})


def _read_sheet(file, result: RosterImportResult) -> _Sheet | None:
    from openpyxl import load_workbook

    if isinstance(file, (str, Path)):
        with open(file, "rb") as handle:
            source = BytesIO(handle.read())
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        source = file
    not_xlsx = _("文件不是有效的 Excel 工作簿（.xlsx），或文件已损坏。旧版 .xls 或 WPS 格式请先另存为 .xlsx 再导入。")
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many unrelated types for a malformed package
        result.file_error(not_xlsx)
        return None
    try:
        if not workbook.worksheets:
            result.file_error(_("文件中没有工作表。"))
            return None
        sheet = workbook.worksheets[0]
        # Some programs write a wrong <dimension>, which would silently cut rows off.
        sheet.reset_dimensions()
        return _parse_rows(sheet.iter_rows(values_only=True), result)
    except Exception:  # noqa: BLE001 - the sheet XML is parsed lazily, so corruption can surface here
        logger.info("roster import: unreadable worksheet", exc_info=True)
        result.errors.clear()
        result.file_error(not_xlsx)
        return None
    finally:
        workbook.close()


def _parse_rows(rows, result: RosterImportResult) -> _Sheet | None:
    header = None
    first_nonempty = None
    data = []
    for number, values in enumerate(rows, start=1):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        if header is None:
            keys = [_header_key(t) for t in texts]
            if first_nonempty is None:
                first_nonempty = (number, keys)
            if COL_NAME in keys:
                header = _header_columns(number, keys, result)
                if header is None:
                    return None
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if len(data) >= MAX_ROWS:
            result.file_error(
                _("文件超过 %(max)s 行数据，请拆分为多个文件分批导入。") % {"max": f"{MAX_ROWS:,}"}
            )
            return None
        data.append((number, {name: texts[index] if index < len(texts) else "" for name, index in header.items()}))
    if header is None:
        if first_nonempty is None:
            result.file_error(_("文件是空的：没有表头，也没有数据。"))
        else:
            _header_columns(*first_nonempty, result)
        return None
    if not data:
        result.file_error(_("文件只有表头，没有人员数据。"))
        return None
    return _Sheet(columns=header, rows=data)


def _header_columns(row_number, keys, result: RosterImportResult) -> dict | None:
    columns = {}
    for index, key in enumerate(keys):
        if key not in ALL_COLUMNS:
            continue
        if key in columns:
            result.errors.append(
                RosterError(row=row_number, column=key, message=_("表头中“%(column)s”列出现了两次。") % {"column": key})
            )
            continue
        columns[key] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.errors.append(
            RosterError(
                row=row_number,
                column="、".join(missing),
                message=_("缺少必需的列：%(missing)s。表头应包含：%(expected)s（%(optional)s可选）。")
                % {"missing": "、".join(missing), "expected": "、".join(REQUIRED_COLUMNS), "optional": "、".join(OPTIONAL_COLUMNS)},
            )
        )
    return None if result.errors else columns


# ---------------------------------------------------------------- looking names up


def role_labels() -> dict:
    """Role by its Chinese label (and by its code, which some exports carry)."""
    with translation.override(None):
        labels = {str(label): value for value, label in Role.choices}
    labels.update({value: value for value in Role.values})
    return labels


def _role_label_list() -> str:
    with translation.override(None):
        return "、".join(str(label) for _value, label in Role.choices)


class _Places:
    """The subdistrict's areas and units in memory, indexed the way a roster names them."""

    def __init__(self, subdistrict: Area):
        self.subdistrict = subdistrict
        areas = list(Area.objects.filter(subdistrict=subdistrict)) + [subdistrict]
        self.areas = {area.id: area for area in areas}
        self.areas_by_key = {}
        for area in areas:
            path = self._path(area)
            for start in range(len(path)):
                self.areas_by_key.setdefault("/".join(path[start:]), []).append(area)
        self.units_by_name = {}
        for unit in Unit.objects.filter(area_id__in=self.areas, is_active=True):
            self.units_by_name.setdefault(unit.name, []).append(unit)

    def _path(self, area):
        if area.kind == AreaKind.SUBDISTRICT:
            return [area.name]
        names = []
        while area is not None and area.kind != AreaKind.SUBDISTRICT:
            names.append(area.name)
            area = self.areas.get(area.parent_id)
        return names[::-1]

    def ancestors(self, area) -> set:
        ids = set()
        while area is not None:
            ids.add(area.id)
            area = self.areas.get(area.parent_id)
        return ids

    def find_areas(self, text):
        key = "/".join(part for part in AREA_PATH_SEPARATORS.split(text) if part)
        return list(self.areas_by_key.get(key, []))

    def find_units(self, text):
        return list(self.units_by_name.get(text, []))


# ---------------------------------------------------------------- checking rows


@dataclass
class _Row:
    number: int
    name: str
    phone: str
    role: str
    unit: Unit | None
    area: Area | None
    username: str
    password: str

    @property
    def person_key(self):
        return (self.name, self.phone)


def _check_row(number, values, places: _Places, roles: dict, errors: list) -> _Row | None:
    found = []

    def error(column, message):
        found.append(RosterError(row=number, column=column, message=str(message)))

    name = values.get(COL_NAME, "")
    phone = normalise_phone(values.get(COL_PHONE, ""))
    role_text = values.get(COL_ROLE, "")
    unit_text = values.get(COL_UNIT, "")
    area_text = values.get(COL_AREA, "")
    username = values.get(COL_USERNAME, "")
    password = values.get(COL_PASSWORD, "")

    if not name:
        error(COL_NAME, _("请填写姓名。"))
    elif len(name) > NAME_MAX_LENGTH:
        error(COL_NAME, _("姓名不能超过%(max)s个字。") % {"max": NAME_MAX_LENGTH})
    if not phone:
        error(COL_PHONE, _("请填写手机号码。"))
    else:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            error(COL_PHONE, exc.messages[0])
    role = roles.get(role_text)
    if not role_text:
        error(COL_ROLE, _("请填写角色。"))
    elif role is None:
        error(COL_ROLE, _("未知的角色“%(role)s”。可填写：%(roles)s。") % {"role": role_text, "roles": _role_label_list()})

    units = places.find_units(unit_text) if unit_text else []
    areas = places.find_areas(area_text) if area_text else []
    # A name that repeats across villages (“第1网格”) is settled by the other column when it can be.
    if len(areas) > 1 and len(units) == 1:
        unit_home = units[0].area
        areas = [a for a in areas if unit_home.id in places.ancestors(a)] or areas
    if len(units) > 1 and len(areas) == 1:
        around = places.ancestors(areas[0])
        units = [u for u in units if u.area_id in around] or units
    unit = area = None
    if unit_text:
        if not units:
            error(COL_UNIT, _("本街道没有名为“%(name)s”的单位（或该单位已停用）。") % {"name": unit_text})
        elif len(units) > 1:
            error(COL_UNIT, _("本街道有多个名为“%(name)s”的单位，请在“区域”列填写其所在的村(社区)以便区分。") % {"name": unit_text})
        else:
            unit = units[0]
    if area_text:
        if not areas:
            error(COL_AREA, _("本街道没有名为“%(name)s”的区域。") % {"name": area_text})
        elif len(areas) > 1:
            example = "/".join(places._path(areas[0])[-2:])
            error(
                COL_AREA,
                _("本街道有多个名为“%(name)s”的区域，请连同所属村(社区)一起填写，如“%(example)s”。")
                % {"name": area_text, "example": example},
            )
        else:
            area = areas[0]

    if role in GRID_ROLES:
        if not area_text:
            error(COL_AREA, _("%(role)s须在“区域”列填写所负责的网格。") % {"role": Role(role).label})
        elif area is not None and area.kind != AreaKind.GRID:
            error(COL_AREA, _("“%(name)s”不是网格；%(role)s须填写所负责的网格。") % {"name": area_text, "role": Role(role).label})
    elif role == Role.MEDIATOR:
        if not unit_text:
            error(COL_UNIT, _("调解员须在“单位”列填写所属的调解组织。"))
        elif unit is not None and unit.kind not in MEDIATION_TIER_BY_KIND:
            error(
                COL_UNIT,
                _("“%(name)s”不是调解组织；调解员须属于村(社区)小马调解室、村(社区)调解委员会、街道小马调解室或街道人民调解委员会。")
                % {"name": unit_text},
            )
    elif role is not None and not unit_text and not area_text:
        error(COL_UNIT, _("请至少填写“单位”或“区域”中的一项，以确定该岗位所属的街道或村(社区)。"))

    if password and not username:
        error(COL_PASSWORD, _("填写初始密码时须同时填写登录名。"))
    if username:
        try:
            get_user_model().username_validator(username)
            if len(username) > 150:
                raise ValidationError(_("登录名不能超过150个字符。"))
        except ValidationError as exc:
            error(COL_USERNAME, _("登录名“%(name)s”无效：%(reason)s") % {"name": username, "reason": exc.messages[0]})
    if found:
        errors.extend(found)
        return None
    return _Row(number, name, phone, role, unit, area, username, password)


@dataclass
class _PersonPlan:
    key: tuple
    rows: list
    person: Person | None = None
    username: str = ""
    password: str = ""
    user: object = None  # an existing user to link
    first_row: int = 0


def _plan_people(rows: list[_Row], errors: list) -> dict:
    """Group rows by person (name + phone) and settle each person's login."""
    User = get_user_model()
    plans = {}
    for row in rows:
        plan = plans.setdefault(row.person_key, _PersonPlan(key=row.person_key, rows=[], first_row=row.number))
        plan.rows.append(row)
        if row.username:
            if plan.username and plan.username != row.username:
                errors.append(
                    RosterError(
                        row.number,
                        COL_USERNAME,
                        _("同一人员在第%(row)s行的登录名是“%(other)s”，与本行“%(name)s”不一致。")
                        % {"row": plan.first_row, "other": plan.username, "name": row.username},
                    )
                )
                continue
            plan.username = row.username
            plan.password = plan.password or row.password

    phones = {key[1] for key in plans}
    existing = {}
    phone_list = sorted(phones)
    for start in range(0, len(phone_list), 500):
        for person in Person.objects.filter(phone__in=phone_list[start : start + 500]).select_related("user").order_by("id"):
            existing.setdefault((person.name.strip(), normalise_phone(person.phone)), person)
    for key, plan in plans.items():
        plan.person = existing.get(key)

    usernames = {plan.username for plan in plans.values() if plan.username}
    users = {user.username: user for user in User.objects.filter(username__in=usernames).select_related("person")}
    claimed = {}
    for plan in plans.values():
        if not plan.username:
            continue
        row_number = next(r.number for r in plan.rows if r.username)
        if plan.username in claimed:
            errors.append(
                RosterError(
                    row_number,
                    COL_USERNAME,
                    _("登录名“%(name)s”与第%(row)s行的人员重复。") % {"name": plan.username, "row": claimed[plan.username]},
                )
            )
            continue
        claimed[plan.username] = row_number
        current = plan.person.user if plan.person else None
        if current is not None and current.username != plan.username:
            errors.append(
                RosterError(
                    row_number,
                    COL_USERNAME,
                    _("该人员已绑定登录名“%(current)s”，不能再绑定“%(name)s”。") % {"current": current.username, "name": plan.username},
                )
            )
            continue
        user = users.get(plan.username)
        if user is not None:
            owner = getattr(user, "person", None)
            if owner is not None and owner != plan.person:
                errors.append(
                    RosterError(
                        row_number,
                        COL_USERNAME,
                        _("登录名“%(name)s”已被其他人员（%(owner)s）使用。") % {"name": plan.username, "owner": owner.name},
                    )
                )
                continue
            plan.user = user
        elif plan.password:
            try:
                validate_password(plan.password, user=User(username=plan.username, first_name=plan.key[0]))
            except ValidationError as exc:
                row_number = next(r.number for r in plan.rows if r.password)
                errors.append(RosterError(row_number, COL_PASSWORD, " ".join(exc.messages)))
    return plans


# ---------------------------------------------------------------- the service


def roster_import(*, file, actor, subdistrict: Area | None = None) -> RosterImportResult:
    """Import a roster workbook into the actor's subdistrict, all rows or none.

    `file` is a path or a binary file object. Problems with the file or its rows come back
    in `result.errors`; a caller that may not import at all gets PermissionDenied.
    """
    subdistrict = _resolve_subdistrict(actor, subdistrict)
    result = RosterImportResult(subdistrict=subdistrict)
    sheet = _read_sheet(file, result)
    if sheet is None:
        return result
    result.rows = len(sheet.rows)

    with transaction.atomic():
        # One import per subdistrict at a time, so two uploads of one sheet cannot both create a person.
        Area.objects.select_for_update().filter(pk=subdistrict.pk).first()
        places = _Places(subdistrict)
        roles = role_labels()
        errors = []
        checked = [_check_row(number, values, places, roles, errors) for number, values in sheet.rows]
        rows = [row for row in checked if row is not None]
        plans = _plan_people(rows, errors)
        if errors:
            result.errors = sorted(errors, key=lambda e: (e.row or 0, ALL_COLUMNS.index(e.column) if e.column in ALL_COLUMNS else 99))
            return result
        _write(plans, result, actor)
    logger.info(
        "roster import into %s by %s: %s rows, %s persons created, %s roles created",
        subdistrict,
        actor or "command line",
        result.rows,
        result.persons_created,
        result.roles_created,
    )
    return result


def _write(plans: dict, result: RosterImportResult, actor):
    User = get_user_model()
    new_users = []
    for plan in plans.values():
        if plan.username and plan.user is None:
            name = plan.key[0]
            user = User(username=plan.username, first_name=name[:150])
            # Without an initial password the account cannot log in until an administrator sets one.
            user.password = make_password(plan.password or None)
            new_users.append(user)
            plan.user = user
        elif plan.user is not None and not (plan.person and plan.person.user_id == plan.user.id):
            result.users_linked += 1
    User.objects.bulk_create(new_users, batch_size=500)
    result.users_created = len(new_users)

    new_people = []
    linked_people = []
    for plan in plans.values():
        if plan.person is None:
            plan.person = Person(name=plan.key[0], phone=plan.key[1], user=plan.user)
            new_people.append(plan.person)
        elif plan.user is not None and plan.person.user_id != plan.user.id:
            plan.person.user = plan.user
            linked_people.append(plan.person)
    Person.objects.bulk_create(new_people, batch_size=500)
    Person.objects.bulk_update(linked_people, ["user"], batch_size=500)
    result.persons_created = len(new_people)

    created_ids = {person.id for person in new_people}
    existing_ids = [plan.person.id for plan in plans.values() if plan.person.id not in created_ids]
    have = set()
    for start in range(0, len(existing_ids), 500):
        have.update(
            RoleAssignment.objects.filter(person_id__in=existing_ids[start : start + 500]).values_list(
                "person_id", "role", "unit_id", "area_id"
            )
        )
    new_roles = []
    changed_people = {person.id for person in linked_people}
    for plan in plans.values():
        for row in plan.rows:
            key = (plan.person.id, row.role, row.unit.id if row.unit else None, row.area.id if row.area else None)
            if key in have:
                result.roles_unchanged += 1
                continue
            have.add(key)
            new_roles.append(RoleAssignment(person=plan.person, role=row.role, unit=row.unit, area=row.area))
            changed_people.add(plan.person.id)
    RoleAssignment.objects.bulk_create(new_roles, batch_size=500)
    result.roles_created = len(new_roles)
    updated = [plan.person for plan in plans.values() if plan.person.id in changed_people and plan.person.id not in created_ids]
    result.persons_updated = len(updated)

    if actor is not None:
        message = _("通过花名册导入")
        LogEntry.objects.log_actions(actor.pk, new_people, ADDITION, change_message=message)
        LogEntry.objects.log_actions(actor.pk, updated, CHANGE, change_message=message)



# ---------------------------------------------------------------- the blank template


def roster_template(subdistrict: Area | None = None) -> bytes:
    """A blank roster workbook: the header, a role drop-down, instructions with examples,
    and, when the subdistrict is known, the unit and area names it accepts."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("花名册")
    sheet.append(list(ALL_COLUMNS))
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (12, 16, 16, 28, 28, 16, 14)):
        sheet.column_dimensions[letter].width = width
        # Text format keeps phone numbers and login names from turning into numbers.
        sheet.column_dimensions[letter].number_format = "@"
    with translation.override(None):
        labels = [str(label) for _value, label in Role.choices]
    roles = DataValidation(type="list", formula1='"%s"' % ",".join(labels), allow_blank=True)
    roles.error = _("请从下拉列表中选择角色。")
    roles.errorTitle = _("角色无效")
    sheet.add_data_validation(roles)
    roles.add(f"C2:C{MAX_ROWS + 1}")

    grid = mediation_unit = village = None
    if subdistrict is not None:
        grid = Area.objects.filter(subdistrict=subdistrict, kind=AreaKind.GRID).select_related("village").first()
        mediation_unit = (
            Unit.objects.filter(area__village=None, area__subdistrict=subdistrict, kind__in=list(MEDIATION_TIER_BY_KIND))
            .select_related("area")
            .first()
        )
        village = grid.village if grid else None
    grid_name = "/".join(filter(None, [village.name if village else "", grid.name if grid else ""])) or "东村/第1网格"
    unit_name = mediation_unit.name if mediation_unit else "东村小马调解室"

    notes = workbook.create_sheet(_("填写说明"))
    lines = [
        _("花名册填写说明（只导入第一个工作表“花名册”，本页不导入）"),
        "",
        _("姓名、手机号码、角色为必填；同一人员有多个岗位时，每个岗位填一行，姓名和手机号码保持一致。"),
        _("角色须为下列之一：%(roles)s。") % {"roles": "、".join(labels)},
        _("网格员、村民小组长、楼栋长、联户员须在“区域”列填写所负责的网格。"),
        _("调解员须在“单位”列填写所属的调解组织（村(社区)小马调解室、调解委员会或街道调解组织）。"),
        _("其他岗位至少填写“单位”或“区域”中的一项。"),
        _("区域名称在本街道重名时（如各村都有“第1网格”），写成“村(社区)名/区域名”。"),
        _("登录名可不填；填写后会建立或关联登录账号。不填初始密码时，账号须由管理员设置密码后才能登录。已有账号的密码不会被修改。"),
        _("再次导入同一人员（姓名和手机号码相同）不会重复建档，只补充缺少的岗位。"),
        _("任何一行有错误时整个文件都不导入，系统会列出每一处错误所在的行和列。每个文件最多 %(max)s 行。")
        % {"max": f"{MAX_ROWS:,}"},
        "",
        _("示例："),
    ]
    for line in lines:
        notes.append([line])
    notes["A1"].font = Font(bold=True, size=13)
    notes.append(list(ALL_COLUMNS))
    for cell in notes[notes.max_row]:
        cell.font, cell.fill = bold, fill
    with translation.override(None):
        grid_label, mediator_label = str(Role.GRID_WORKER.label), str(Role.MEDIATOR.label)
    notes.append(["张三", "13800138000", grid_label, "", grid_name, "", ""])
    notes.append(["李四", "13900139000", mediator_label, unit_name, "", "lisi", ""])
    notes.column_dimensions["A"].width = 14
    for letter in "BCDEFG":
        notes.column_dimensions[letter].width = 20

    if subdistrict is not None:
        units = workbook.create_sheet(_("单位清单"))
        units.append([_("单位"), _("单位类型"), _("所在区域")])
        in_subdistrict = Unit.objects.filter(Q(area=subdistrict) | Q(area__subdistrict=subdistrict), is_active=True)
        for unit in in_subdistrict.select_related("area").order_by("area__sort_order", "area_id", "id"):
            units.append([unit.name, str(unit.get_kind_display()), unit.area.name])
        areas = workbook.create_sheet(_("区域清单"))
        areas.append([_("区域（填写时用的写法）"), _("类型")])
        places = _Places(subdistrict)
        for area in sorted(places.areas.values(), key=lambda a: (a.sort_order, a.id)):
            areas.append(["/".join(places._path(area)), str(area.get_kind_display())])
        for extra in (units, areas):
            for cell in extra[1]:
                cell.font, cell.fill = bold, fill
            extra.column_dimensions["A"].width = 32
            extra.column_dimensions["B"].width = 22
            extra.column_dimensions["C"].width = 22

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

__all__ = ["roster_import", "roster_template", "roster_subdistricts", "role_labels", "RosterImportResult", "RosterError", "ALL_COLUMNS"]
