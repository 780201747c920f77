"""Commands: python -m bot serve | demo | create-staff | richmenu | migrations."""
from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="くらしの相談LINE")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service (settings from env)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--role", choices=("all", "web", "worker"), default="all",
                       help="web: verify, store and answer webhooks, staff pages; worker: "
                            "process stored events and run the scheduler; all: both")

    demo = commands.add_parser("demo", help="everything on one machine, no LINE account")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--seed", action="store_true", help="fill with a month of synthetic cases")

    staff = commands.add_parser("create-staff", help="create a staff account")
    staff.add_argument("--login", required=True)
    staff.add_argument("--role", choices=("staff", "admin"), default="staff")
    staff.add_argument("--name", default="")
    staff.add_argument("--password-stdin", action="store_true", required=True,
                       help="read the password from standard input")

    commands.add_parser("richmenu", help="create, upload and set the default rich menu")

    migrations = commands.add_parser("migrations", help="database schema revisions")
    migration_commands = migrations.add_subparsers(dest="migration_command", required=True)
    migration_commands.add_parser("upgrade", help="upgrade DATABASE_URL to the current schema")
    new = migration_commands.add_parser("new", help="write a revision for model changes")
    new.add_argument("message")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("apscheduler", "alembic"):      # a line per job run / migration step
        logging.getLogger(chatty).setLevel(logging.WARNING)
    if args.command == "serve":
        return _serve(args.host, args.port, args.role)
    if args.command == "demo":
        from bot.demo import run_demo
        return run_demo(args.host, args.port, seed=args.seed)
    if args.command == "create-staff":
        return _create_staff(args.login, args.role, args.name, sys.stdin.readline().rstrip("\n"))
    if args.command == "migrations":
        return _migrations(args)
    if args.command == "richmenu":
        from bot.line.richmenu import main as richmenu_main
        return richmenu_main()
    return 2


def _migrations(args) -> int:
    from bot.config import get_settings
    from bot.db import create_schema, make_engine, new_migration

    if args.migration_command == "new":
        new_migration(args.message)
    else:
        create_schema(make_engine(get_settings().database_url))
        print("database schema is up to date")
    return 0


def _serve(host: str, port: int, role: str = "all") -> int:
    import uvicorn

    from bot.app import create_app
    from bot.config import MissingSetting

    try:
        app = create_app(role=role)
    except MissingSetting as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # uvicorn's own proxy handling would rewrite the client address from X-Forwarded-For;
    # the address is read from TRUSTED_PROXY_HEADER only when it is configured.
    uvicorn.run(app, host=host, port=port,
                proxy_headers=bool(app.state.runtime.settings.trusted_proxy_header))
    return 0


def _create_staff(login: str, role: str, name: str, password: str) -> int:
    from sqlmodel import Session, select

    from bot.security import check_password_strength, hash_password
    from bot.config import get_settings
    from bot.db import create_schema, make_engine
    from bot.models import StaffUser

    problem = check_password_strength(password, login)
    if problem:
        print(f"error: password refused: {problem} (at least 12 characters, not a common "
              "password, keyboard pattern or repeated character, not containing the login)",
              file=sys.stderr)
        return 2
    engine = make_engine(get_settings().database_url)
    create_schema(engine)
    with Session(engine) as session:
        if session.exec(select(StaffUser).where(StaffUser.login == login)).first():
            print(f"error: a staff account named {login!r} exists already", file=sys.stderr)
            return 1
        session.add(StaffUser(login=login, display_name=name or login, role=role,
                              password_hash=hash_password(password)))
        session.commit()
    print(f"created {role} account {login!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
