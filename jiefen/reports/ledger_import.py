"""Import of historical dispute ledgers (矛盾纠纷排查调处台账) from XLSX.

The file is read completely and every row checked before anything is written; if any row is
wrong, nothing is imported and the report lists every problem as (row, column, message) in
Chinese — the row and column as the user sees them in the spreadsheet. A valid file is
imported in one transaction through ``jiefen.cases.history.case_import_historical``. Rows
already imported are skipped (see that module for what makes two rows the same), so the same
file can be uploaded twice without doubling anything.

The header row is found among the first ten rows (a title row above it is fine); columns are
matched by their Chinese header, in any order; unknown columns are ignored. ``LEDGER_COLUMNS``
below is the template (``spreadsheets.ledger_template_xlsx``) and the documentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.history import OUTCOMES, HistoricalCase, case_import_historical, historical_problems
from jiefen.cases.models import AgreementForm, Channel, Complexity, DisputeType, RiskGrade, Tier
from jiefen.common.errors import DomainError
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, Area, AreaKind, Unit
from jiefen.organisation.selectors import user_scope

MAX_ROWS = 5000
EXAMPLE_PREFIX = "示例"
# A party named like this is an organisation (no personal ID number to check).
ORGANISATION_NAME = re.compile(r"(公司|委员会|合作社|集团|厂|店|中心|学校|医院|协会|银行)$")
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool = False
    aliases: tuple = ()
    help: str = ""
    width: int = 14
    missing: str = ""  # what to say when a required cell is empty, if more than "必填项不能为空"


LEDGER_COLUMNS = [
    Column("原台账编号", "original_number", aliases=("台账编号", "编号", "序号"), help="原纸质或电子台账上的编号，用于防止重复导入", width=14),
    Column("登记日期", "registered_on", True, ("受理登记日期", "发生日期"), "如 2024-05-06", 12),
    Column("村(社区)", "village", True, ("村社区", "村/社区", "所属村(社区)"), "须与系统中的村(社区)名称一致", 12),
    Column("纠纷类型", "dispute_type", True, ("类型",), "如 邻里、婚姻家庭", 12),
    Column("来源渠道", "channel", False, ("来源",), "如 网格排查、当事人申请；不填为当事人申请", 14),
    Column("纠纷简题", "title", True, ("纠纷名称", "案由"), "", 22),
    Column("纠纷概况", "description", False, ("简要情况", "纠纷简要情况"), "", 36),
    Column("发生地点", "address", True, ("纠纷发生地址", "地点", "地址"), "", 20),
    Column("申请人", "applicants", True, ("当事人", "申请人姓名"), "多人用顿号“、”分隔", 14),
    Column("申请人身份证号", "applicant_ids", False, ("身份证号",), "多人时按顺序用顿号分隔", 22),
    Column("申请人电话", "applicant_phones", False, ("联系电话", "电话"), "", 16),
    Column("被申请人", "respondents", False, ("被申请人姓名",), "多人用顿号“、”分隔", 14),
    Column("被申请人身份证号", "respondent_ids", False, (), "", 22),
    Column("被申请人电话", "respondent_phones", False, (), "", 16),
    Column("涉及人数", "people_involved", False, (), "", 9),
    Column("争议金额(元)", "amount_in_dispute", False, ("争议金额", "涉及金额", "金额"), "", 12),
    Column("群体性", "is_group", False, ("是否群体性",), "是/否", 8),
    Column("民转刑风险", "criminal_risk", False, ("是否有民转刑风险",), "是/否", 10),
    Column("风险等级", "risk_grade", False, (), "红/橙/黄/蓝，不填为蓝", 9),
    Column("复杂程度", "complexity", False, (), "一般/较复杂/复杂，不填为一般", 10),
    Column("调处层级", "tier", False, ("层级",), "一级/二级/三级", 9),
    Column("承办单位", "unit", False, ("调解组织",), "不填时按分流规则确定", 20),
    Column("调解员", "mediator_name", False, ("承办调解员",), "", 10),
    Column("受理日期", "accepted_on", False, (), "不填同登记日期", 12),
    Column("调处结果", "outcome", True, ("结果", "调解结果"), "调解成功/调解不成/不予受理", 11),
    Column("协议形式", "agreement_form", False, (), "书面/口头，不填为书面", 10),
    Column("约定履行期限", "performance_due", False, ("履行期限",), "", 12),
    Column("调解结束日期", "concluded_on", False, ("调结日期", "调解终结日期"), "调解成功或不成时必填", 12),
    Column("是否上交", "handed_up", False, ("上交",), "调解不成并上交上级的填“是”", 9),
    Column("移送/上交至", "referred_to", False, ("移送至", "上交至"), "", 16),
    Column("是否按期办结", "within_limits", False, ("按期办结",), "是/否；不填时按办理时限推算", 11),
    Column(
        "办结日期", "closed_on", True, ("归档日期", "结案日期"), "", 12,
        "历史台账只能导入已办结的案件，请填写办结日期；未办结的案件请在系统中登记办理。",
    ),
]
COLUMN_BY_FIELD = {column.field: column for column in LEDGER_COLUMNS}


@dataclass
class LedgerError:
    row: int  # spreadsheet row number (1-based); 0 for the file as a whole
    column: str  # the header, or "" for the whole row
    message: str

    def __str__(self):
        where = []
        if self.row:
            where.append(_("第%(row)d行") % {"row": self.row})
        if self.column:
            where.append(_("“%(column)s”列") % {"column": self.column})
        return ("".join(where) + "：" if where else "") + self.message


@dataclass
class LedgerImportResult:
    rows: int = 0
    created: list = field(default_factory=list)  # Cases
    skipped: list = field(default_factory=list)  # (row, existing number)
    errors: list = field(default_factory=list)  # LedgerError
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- cell parsing


class CellError(ValueError):
    pass


def _norm_header(value) -> str:
    text = str(value or "").strip()
    text = text.replace("（", "(").replace("）", ")").replace("*", "").replace("＊", "")
    return re.sub(r"\s+", "", text)


HEADER_LOOKUP = {}
for _column in LEDGER_COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_LOOKUP.setdefault(_norm_header(_name), _column)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        # An Excel serial day number (a date cell typed as a number).
        if 20000 < value < 80000:
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise CellError(_("日期格式不正确，请填写如 2024-05-06 的日期。"))
    text = _text(value)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if not match:
        raise CellError(_("日期“%(text)s”格式不正确，请填写如 2024-05-06 的日期。") % {"text": text})
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(_("日期“%(text)s”不存在。") % {"text": text}) from None


YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "n", "no", "false", "0", "×", ""}


def _bool(value, *, default=None):
    text = _text(value).lower()
    if text == "":
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("请填写“是”或“否”。"))


def _int(value) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise CellError(_("请填写整数。")) from None
    if number < 0:
        raise CellError(_("不能为负数。"))
    return number


def _amount(value) -> Decimal | None:
    text = _text(value).replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        return None
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise CellError(_("金额格式不正确。")) from None
    if amount < 0:
        raise CellError(_("金额不能为负数。"))
    return amount


def _names(value) -> list[str]:
    return [part.strip() for part in re.split(r"[、,，;；/\n]+", _text(value)) if part.strip()]


def _label_lookup(choices) -> dict:
    table = {}
    for value, label in choices.choices:
        text = str(label)
        table[text] = value
        table[re.sub(r"[(（].*?[)）]", "", text)] = value  # "公安移送(警调)" also as "公安移送"
        table[value] = value
    return table


CHANNELS = _label_lookup(Channel)
CHANNELS.update({"警调": Channel.POLICE_REFERRAL, "诉调": Channel.COURT_REFERRAL, "访调": Channel.PETITION_REFERRAL, "热线": Channel.HOTLINE_ONLINE, "网上": Channel.HOTLINE_ONLINE, "排查": Channel.GRID_SCREENING})
RISKS = {**_label_lookup(RiskGrade), "红色": "red", "橙色": "orange", "黄色": "yellow", "蓝色": "blue"}
COMPLEXITIES = _label_lookup(Complexity)
TIERS = {"一级": 1, "二级": 2, "三级": 3, "1": 1, "2": 2, "3": 3, "第一级": 1, "第二级": 2, "第三级": 3}
TIERS.update({str(label): value for value, label in Tier.choices})
FORMS = {"书面": AgreementForm.WRITTEN, "书面协议": AgreementForm.WRITTEN, "口头": AgreementForm.ORAL, "口头协议": AgreementForm.ORAL}
OUTCOME_WORDS = {
    "调解成功": "agreed",
    "成功": "agreed",
    "达成协议": "agreed",
    "调解不成": "terminated",
    "调解不成功": "terminated",
    "不成功": "terminated",
    "调解终止": "terminated",
    "终止": "terminated",
    "不予受理": "rejected",
}


def _choice(table: dict, value, what: str):
    text = _text(value)
    if not text:
        return None
    found = table.get(text) or table.get(text.replace(" ", ""))
    if found is None:
        raise CellError(_("无法识别的%(what)s“%(text)s”。") % {"what": what, "text": text})
    return found


# ---------------------------------------------------------------- reading the file


class _Context:
    """What names in the file refer to: the villages, types and units of the actor's subdistricts."""

    def __init__(self, actor):
        scope = user_scope(actor)
        villages = Area.objects.filter(kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY])
        units = Unit.objects.filter(kind__in=list(MEDIATION_TIER_BY_KIND), is_active=True)
        if not scope.is_superuser:
            villages = villages.filter(subdistrict_id__in=scope.staff_subdistrict_ids)
            units = units.filter(area__in=Area.objects.filter(pk__in=scope.staff_subdistrict_ids)) | units.filter(
                area__subdistrict_id__in=scope.staff_subdistrict_ids
            )
        self.villages: dict[str, list[Area]] = {}
        for village in villages.select_related("subdistrict"):
            self.villages.setdefault(village.name, []).append(village)
        self.types = {t.name: t for t in DisputeType.objects.all()}
        self.types.update({t.code: t for t in DisputeType.objects.all()})
        self.units: dict[str, list[Unit]] = {}
        for unit in units.select_related("area"):
            self.units.setdefault(unit.name, []).append(unit)


def _find_header(rows) -> tuple[int, dict[int, Column]] | None:
    for index, row in enumerate(rows[:10]):
        mapping = {}
        for position, value in enumerate(row):
            column = HEADER_LOOKUP.get(_norm_header(value))
            if column is not None and column not in mapping.values():
                mapping[position] = column
        if sum(1 for c in mapping.values() if c.required) >= 3:
            return index, mapping
    return None


def _open_rows(source) -> list[tuple]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not XLSX
        raise CellError(_("无法读取文件：请上传 Excel 2007 及以上版本的 .xlsx 文件。")) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(tuple(row))
            if len(rows) > MAX_ROWS + 20:
                break
        return rows
    finally:
        workbook.close()


def ledger_read(source, *, actor, today: date | None = None) -> tuple[list[HistoricalCase], list[LedgerError]]:
    """The rows of a ledger file as HistoricalCase, and every problem found (nothing written)."""
    today = today or timezone.localdate()
    try:
        rows = _open_rows(source)
    except CellError as exc:
        return [], [LedgerError(0, "", str(exc))]
    found = _find_header(rows)
    if found is None:
        return [], [LedgerError(0, "", _("未找到表头行：前10行中应有“登记日期”“村(社区)”“纠纷类型”“纠纷简题”等列名。可下载导入模板对照填写。"))]
    header_index, mapping = found
    errors: list[LedgerError] = []
    present = set(mapping.values())
    for column in LEDGER_COLUMNS:
        if column.required and column not in present:
            errors.append(LedgerError(header_index + 1, column.header, _("缺少必填列。")))
    if errors:
        return [], errors
    data_rows = [(header_index + 2 + i, row) for i, row in enumerate(rows[header_index + 1 :])]
    data_rows = [(number, row) for number, row in data_rows if any(_text(v) for v in row)]
    # The template's example row (原台账编号 "示例-…") is never imported.
    number_at = next((position for position, column in mapping.items() if column.field == "original_number"), None)
    if number_at is not None:
        data_rows = [
            (number, row) for number, row in data_rows
            if not (number_at < len(row) and _text(row[number_at]).startswith(EXAMPLE_PREFIX))
        ]
    if not data_rows:
        return [], [LedgerError(0, "", _("文件中没有数据行。"))]
    if len(data_rows) > MAX_ROWS:
        return [], [LedgerError(0, "", _("一次最多导入%(n)d行，请分批导入。") % {"n": MAX_ROWS})]

    context = _Context(actor)
    items = []
    for number, row in data_rows:
        values = {column.field: (row[position] if position < len(row) else None) for position, column in mapping.items()}
        item, row_errors = _row(number, values, context, actor, today)
        errors.extend(row_errors)
        if item is not None:
            items.append(item)
    return items, errors


def _row(number: int, values: dict, context: _Context, actor, today: date):
    errors = []
    parsed = {}

    def cell(name, parse):
        column = COLUMN_BY_FIELD[name]
        raw = values.get(name)
        try:
            value = parse(raw)
        except CellError as exc:
            errors.append(LedgerError(number, column.header, str(exc)))
            return None
        if column.required and value in (None, "", []):
            errors.append(LedgerError(number, column.header, _(column.missing) if column.missing else _("必填项不能为空。")))
        parsed[name] = value
        return value

    cell("original_number", _text)
    for name in ("registered_on", "accepted_on", "concluded_on", "closed_on", "performance_due"):
        cell(name, _date)
    for name in ("title", "description", "address", "mediator_name", "referred_to"):
        cell(name, _text)
    cell("people_involved", _int)
    cell("amount_in_dispute", _amount)
    cell("is_group", lambda v: _bool(v, default=False))
    cell("criminal_risk", lambda v: _bool(v, default=False))
    cell("handed_up", lambda v: _bool(v, default=False))
    cell("within_limits", lambda v: _bool(v, default=None))
    cell("channel", lambda v: _choice(CHANNELS, v, _("来源渠道")) or Channel.PARTY_APPLICATION)
    cell("risk_grade", lambda v: _choice(RISKS, v, _("风险等级")) or RiskGrade.BLUE)
    cell("complexity", lambda v: _choice(COMPLEXITIES, v, _("复杂程度")) or Complexity.ORDINARY)
    cell("tier", lambda v: _choice(TIERS, v, _("调处层级")))
    cell("agreement_form", lambda v: _choice(FORMS, v, _("协议形式")) or AgreementForm.WRITTEN)
    cell("outcome", lambda v: _choice(OUTCOME_WORDS, v, _("调处结果")))
    village = cell("village", lambda v: _one(context.villages, v, _("村(社区)")))
    cell("dispute_type", lambda v: _one({k: [t] for k, t in context.types.items()}, v, _("纠纷类型")))
    cell("unit", lambda v: _unit(context, v, village))

    parties = []
    for role, names_field, ids_field, phones_field in (
        ("applicant", "applicants", "applicant_ids", "applicant_phones"),
        ("respondent", "respondents", "respondent_ids", "respondent_phones"),
    ):
        names = cell(names_field, _names) or []
        ids = cell(ids_field, _names) or []
        phones = cell(phones_field, _names) or []
        for label, extra in ((ids_field, ids), (phones_field, phones)):
            if len(extra) > len(names):
                errors.append(LedgerError(number, COLUMN_BY_FIELD[label].header, _("个数多于姓名个数。")))
        for index, name in enumerate(names):
            parties.append(
                {
                    "role": role,
                    "kind": "organisation" if len(name) >= 4 and ORGANISATION_NAME.search(name) else "person",
                    "name": name,
                    "id_number": ids[index] if index < len(ids) else "",
                    "phone": phones[index] if index < len(phones) else "",
                    "_columns": (names_field, ids_field, phones_field),
                }
            )
    if errors:
        return None, errors
    item = HistoricalCase(
        row=number,
        registered_on=parsed["registered_on"],
        title=parsed["title"],
        description=parsed["description"],
        dispute_type=parsed["dispute_type"],
        channel=parsed["channel"],
        village=parsed["village"],
        address=parsed["address"],
        parties=[{k: v for k, v in p.items() if k != "_columns"} for p in parties],
        outcome=parsed["outcome"],
        closed_on=parsed["closed_on"],
        original_number=parsed["original_number"],
        accepted_on=parsed["accepted_on"],
        concluded_on=parsed["concluded_on"],
        people_involved=parsed["people_involved"],
        amount_in_dispute=parsed["amount_in_dispute"],
        is_group=parsed["is_group"],
        criminal_risk=parsed["criminal_risk"],
        risk_grade=parsed["risk_grade"],
        complexity=parsed["complexity"],
        tier=parsed["tier"],
        unit=parsed["unit"],
        mediator_name=parsed["mediator_name"],
        agreement_form=parsed["agreement_form"] if parsed["outcome"] == "agreed" else "",
        performance_due=parsed["performance_due"],
        handed_up=parsed["handed_up"],
        referred_to=parsed["referred_to"],
        within_limits=parsed["within_limits"],
    )
    for name, message in historical_problems(item, actor=actor, today=today):
        errors.append(LedgerError(number, _header_for(name, parties), message))
    return (item if not errors else None), errors


def _one(table: dict, value, what: str):
    text = _text(value)
    if not text:
        return None
    matches = table.get(text) or table.get(text.replace(" ", ""))
    if not matches:
        raise CellError(_("系统中没有名为“%(text)s”的%(what)s。") % {"text": text, "what": what})
    if len(matches) > 1:
        raise CellError(_("有多个名为“%(text)s”的%(what)s，无法确定。") % {"text": text, "what": what})
    return matches[0]


def _unit(context: _Context, value, village):
    text = _text(value)
    if not text:
        return None
    candidates = context.units.get(text) or []
    if village is not None:
        candidates = [u for u in candidates if u.area_id in (village.id, village.subdistrict_id)] or candidates
    if not candidates:
        raise CellError(_("系统中没有名为“%(text)s”的调解组织。") % {"text": text})
    return candidates[0]


def _header_for(name: str, parties: list) -> str:
    """The column a service-level problem belongs to."""
    if name.startswith("parties."):
        _prefix, index, attribute = name.split(".", 2)
        columns = parties[int(index)]["_columns"] if int(index) < len(parties) else ("applicants", "applicant_ids", "applicant_phones")
        field_name = {"id_number": columns[1], "phone": columns[2]}.get(attribute, columns[0])
        return COLUMN_BY_FIELD[field_name].header
    if name == "parties":
        return COLUMN_BY_FIELD["applicants"].header
    column = COLUMN_BY_FIELD.get(name)
    return column.header if column else ""


# ---------------------------------------------------------------- the whole import


def ledger_import(source, *, actor, dry_run: bool = False, source_name: str = "", today: date | None = None) -> LedgerImportResult:
    """Check a ledger file and, when every row is right (and not `dry_run`), import it.

    `source` is a path or a binary file object. Nothing is written unless the whole file is
    valid; the result lists what was created, what was skipped as already imported, and errors.
    """
    today = today or timezone.localdate()
    scope = user_scope(actor)
    if not scope.is_staff_anywhere:
        return LedgerImportResult(errors=[LedgerError(0, "", _("只有综治中心工作人员可以导入历史台账。"))])
    if isinstance(source, (str, Path)):
        source_name = source_name or Path(source).name
    items, errors = ledger_read(source, actor=actor, today=today)
    result = LedgerImportResult(rows=len(items) + len({e.row for e in errors if e.row}), errors=errors, dry_run=dry_run)
    if errors:
        return result
    if dry_run:
        from jiefen.cases.history import imported_fingerprints

        done = imported_fingerprints([item.fingerprint() for item in items])
        result.skipped = [(item.row, done[item.fingerprint()]) for item in items if item.fingerprint() in done]
        return result
    try:
        outcome = case_import_historical(actor=actor, cases=items, source=source_name, today=today)
    except ValidationError as exc:
        by_row = {item.row: item for item in items}
        for key, messages in exc.message_dict.items():
            row, _sep, name = key.partition(":")
            item = by_row.get(int(row)) if row.isdigit() else None
            header = _header_for(name, [dict(p, _columns=("applicants", "applicant_ids", "applicant_phones")) for p in item.parties]) if item else ""
            for message in messages:
                result.errors.append(LedgerError(int(row) if row.isdigit() else 0, header if name != "row" else "", message))
        return result
    except DomainError as exc:
        result.errors.append(LedgerError(0, "", str(exc.message)))
        return result
    result.created, result.skipped = outcome.created, outcome.skipped
    return result


__all__ = ["LEDGER_COLUMNS", "LedgerError", "LedgerImportResult", "ledger_import", "ledger_read", "MAX_ROWS", "OUTCOMES"]
