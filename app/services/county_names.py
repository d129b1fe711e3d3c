"""The county's names: its own, the issuing body's (全称, 代字), the 印发机关 line and the officer who runs the app.

The first-run wizard (app/ui/setup_wizard.py) asks for them; until then the settings hold placeholders taken from
示范县, and the issuing body's names follow the county's name (app/settings.py, `derive`).  A 通报 must never go
out under a placeholder by accident: `require_real_names` refuses to issue while the names in effect were never
given by anyone.  A name counts as given once it, or the name it follows (the county's, for the issuing body;
the issuing body's, for the 印发机关), is saved in the database; the demo county saves its own names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app import settings as S
from app.errors import FieldProblem, ValidationError
from app.models import Member, PartyOrg, Setting, Unit
from app.services.audit import unit_of_work

SessionFactory = Callable[[], Session]

MAX_COUNTY = 20
MAX_NAME = 60
MAX_CODE = 10


@dataclass(frozen=True)
class CountyNames:
    county: str
    issuer_name: str  # 发文机关全称（署名）
    issuer_code: str  # 发文机关代字
    printer: str  # 印发机关
    officer: str = ""  # 经办人: the 党务干部 who runs the app
    phone: str = ""  # the officer's telephone, printed with the name as 联系人及电话

    @property
    def contact(self) -> str:
        return f"{self.officer}，{self.phone}" if self.officer and self.phone else self.officer


def suggested(county: str) -> CountyNames:
    """The usual names of a county's 机关工委 (青山县 → 中共青山县直属机关工作委员会, 青直工委, …办公室)."""
    name = S.issuer_name_for(county) if county.strip() else ""
    return CountyNames(county.strip(), name, S.issuer_code_for(county), S.printer_for(name))


def problems(names: CountyNames, *, practice: bool = False) -> list[FieldProblem]:
    """What is wrong with the names typed, per field (empty list: they may be saved)."""
    out: list[FieldProblem] = []

    def need(field: str, value: str, label: str, longest: int) -> None:
        if not value.strip():
            out.append(FieldProblem(field, f"请填写{label}"))
        elif len(value.strip()) > longest:
            out.append(FieldProblem(field, f"{label}不能超过{longest}个字"))

    need("county", names.county, "县名", MAX_COUNTY)
    if not practice and names.county.strip() == S.PLACEHOLDER_COUNTY:
        out.append(FieldProblem("county", f"“{S.PLACEHOLDER_COUNTY}”是练习用的县名，请填写本县的名称"))
    need("issuer_name", names.issuer_name, "发文机关全称", MAX_NAME)
    need("issuer_code", names.issuer_code, "发文机关代字", MAX_CODE)
    if any(c in names.issuer_code for c in "〔〕[]()（）0123456789 "):
        out.append(FieldProblem("issuer_code", "代字只写机关代字（如“青直工委”），年份和序号由程序自动编排"))
    need("printer", names.printer, "印发机关", MAX_NAME)
    need("officer", names.officer, "经办人姓名", 20)
    if len(names.phone.strip()) > 40:
        out.append(FieldProblem("phone", "联系电话不能超过40个字"))
    return out


class CountyNamesService:
    def __init__(self, session_factory: SessionFactory) -> None:
        self._sf = session_factory

    def current(self) -> CountyNames:
        """The names in effect; the officer only when one was given (not the operator's default)."""
        with self._sf() as s:
            read = S.reader(s)
            stored = _stored_keys(s)
            contact = str(read(S.CONTACT)).strip()
            officer = str(read(S.OPERATOR)).strip() if S.OPERATOR.key in stored else ""
            phone = contact[len(officer) + 1:].strip() if officer and contact.startswith(officer + "，") else ""
            return CountyNames(str(read(S.COUNTY_NAME)), str(read(S.ISSUER_NAME)), str(read(S.ISSUER_CODE)),
                               str(read(S.PRINTER)), officer, phone)

    def save(self, names: CountyNames, *, practice: bool = False) -> CountyNames:
        """Save every name (all of them, so none is left following a placeholder); refused whole when any
        field is wrong."""
        found = problems(names, practice=practice)
        if found:
            raise ValidationError(found)
        values = {S.COUNTY_NAME: names.county, S.ISSUER_NAME: names.issuer_name, S.ISSUER_CODE: names.issuer_code,
                  S.PRINTER: names.printer, S.OPERATOR: names.officer, S.CONTACT: names.contact}
        with unit_of_work(self._sf) as (s, log):
            read = S.reader(s)
            for d, value in values.items():
                before = read(d)
                after = S.set_value(s, d, value.strip())
                if after != before:  # the names printed on every 通报: who set them, from what, is in the trail
                    log.record("修改", "setting", None, d.key, before, after)
        return self.current()

    def placeholders(self) -> list[str]:
        with self._sf() as s:
            return placeholders(s)


def register_is_empty(session_factory: SessionFactory) -> bool:
    """No unit, organisation or member yet: a county the first-run wizard may set up (settings do not count)."""
    with session_factory() as s:
        return not any(s.scalar(select(exists().select_from(m))) for m in (Unit, PartyOrg, Member))


def _stored_keys(s: Session) -> set[str]:
    return set(s.scalars(select(Setting.key)))


def placeholders(s: Session) -> list[str]:
    """The labels of the issuing body's names that still hold the shipped placeholder (nobody gave them)."""
    stored = _stored_keys(s)
    county = S.COUNTY_NAME.key in stored
    name = county or S.ISSUER_NAME.key in stored
    given = {S.ISSUER_NAME: name, S.ISSUER_CODE: county or S.ISSUER_CODE.key in stored,
             S.PRINTER: name or S.PRINTER.key in stored}
    return [d.label.split("（")[0] for d, ok in given.items() if not ok]


def require_real_names(s: Session) -> None:
    """Refuse to issue a document while the issuing body's names are placeholders (示范县's)."""
    missing = placeholders(s)
    if missing:
        read = S.reader(s)
        raise ValidationError(
            f"发文机关的{'、'.join(missing)}还是示范用的名称（“{read(S.ISSUER_NAME)}”，{read(S.ISSUER_CODE)}），"
            "不能印发通报。请先在“设置”页点“本县名称与发文机关”（或用命令 dangjian county set）填写本县的县名、"
            "发文机关全称和代字、印发机关，然后再印发。", field="issuer")
