"""`dangjian county`: the county's names as every document prints them (县名, 发文机关全称 and 代字, 印发机关, the
officer), shown or set from the command line — what the first-run wizard and 设置 → 本县名称与发文机关 do in the
window, for a county run from the CLI (a 通报 is refused while the names are the shipped placeholders)."""

from __future__ import annotations

import argparse

from app.cli import add_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "county", help="本县名称与发文机关：显示或设置县名、发文机关全称和代字、印发机关、经办人",
        description="显示或设置通报、约谈通知书等文件上印的本县名称和发文机关。set 只给县名时，发文机关全称、代字和"
        "印发机关按惯例由县名生成（如青山县 → 中共青山县直属机关工作委员会、青直工委、中共青山县直属机关工作委员会"
        "办公室），也可逐项指定。每次修改记入审计日志。")
    add_data_dir(p)
    p.add_argument("action", choices=["show", "set"], nargs="?", default="show",
                   help="show：显示当前名称（默认）；set：设置")
    p.add_argument("--name", help="县名，如 青山县")
    p.add_argument("--issuer-name", help="发文机关全称（署名），如 中共青山县直属机关工作委员会")
    p.add_argument("--issuer-code", help="发文机关代字，如 青直工委")
    p.add_argument("--printer", help="印发机关，如 中共青山县直属机关工作委员会办公室")
    p.add_argument("--officer", help="经办人姓名（文件上的联系人）")
    p.add_argument("--phone", help="经办人联系电话")
    p.set_defaults(func=run_county)


def run_county(args: argparse.Namespace) -> int:
    from app.cli.common import open_db
    from app.services.county_names import CountyNames, CountyNamesService, suggested

    db = open_db(args)
    try:
        service = CountyNamesService(db.session_factory)
        if args.action == "set":
            now = service.current()
            county = (args.name or now.county).strip()
            usual = suggested(county) if args.name else now
            names = CountyNames(county, args.issuer_name or usual.issuer_name, args.issuer_code or usual.issuer_code,
                                args.printer or usual.printer, args.officer or now.officer,
                                args.phone if args.phone is not None else now.phone)
            service.save(names)
            print("已保存：")
        _print(service.current(), service.placeholders())
        return 0
    finally:
        db.close()


def _print(names: object, placeholders: list[str]) -> None:
    from app.services.county_names import CountyNames

    assert isinstance(names, CountyNames)
    for label, value in (("县名", names.county), ("发文机关全称", names.issuer_name), ("发文机关代字", names.issuer_code),
                         ("印发机关", names.printer), ("经办人", names.contact or "（未填写）")):
        print(f"  {label}：{value}")
    if placeholders:
        print(f"注意：{'、'.join(placeholders)}还是示范用的名称，不能印发通报；请用 dangjian county set --name 县名 "
              "--officer 姓名 设置")
