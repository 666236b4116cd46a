"""Archiving needs a complete dossier (Art. 27): the `archive` step is refused, naming what is
missing, while a required item of the checklist is not on file."""

from jiefen.common.errors import DomainError

from .selectors import checklist_missing, dossier_checklist


def dossier_complete(case, *, actor=None, data=None, today=None):
    missing = checklist_missing(dossier_checklist(case))
    if missing:
        names = "、".join(entry.name for entry in missing)
        raise DomainError(
            f"卷宗缺少必备材料，不能归档：{names}。请补齐后再归档（《中华人民共和国人民调解法》第二十七条）。",
            code="dossier_incomplete",
        )
