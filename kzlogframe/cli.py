"""``python -m kzlogframe``: the command line for people who work with files, not browsers."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .access import SCOPE_ROLES, User
from .catalog import load_catalog
from .ingest import UploadError, import_csv, list_batches, rollback_batch
from .store import IMPORT_WAIT_SECONDS, StoreLocked
from .validation import LogframeError, check_file


def _actor(args: argparse.Namespace) -> User:
    """Whoever runs the command line has the store and users files in hand: they act as an administrator."""
    return User(args.user, "admin", os_user=getpass.getuser())


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        checked = check_file(name)
        for problem in checked.problems:
            print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
        if checked.logframe is None:
            failed = True
        else:
            lf = checked.logframe
            print(f"{name}: ok ({lf.programme.code}: {sum(1 for _ in lf.indicators())} indicators, "
                  f"{len(lf.results)} results)")
    return 1 if failed else 0


SHOWN_REJECTIONS = 200


def _import(args: argparse.Namespace) -> int:
    """Check the file (without the store), then commit it in one short window; while another process
    holds the store, say who every few seconds and wait (``--wait``), then give up with a clear error."""
    from .i18n import t

    def waiting(holder: str) -> None:
        print(t("ingest.cli.waiting", holder=holder), file=sys.stderr, flush=True)

    report = import_csv(args.file, load_catalog(), _actor(args), db=args.db, dry_run=args.dry_run,
                        strict=args.strict, lock_wait=args.wait, on_wait=waiting, sheet=args.sheet)
    for row in report.rejected.head(SHOWN_REJECTIONS).itertuples():
        print(f"{args.file}:{row.line}: rejected: {row.reason}", file=sys.stderr)
    if len(report.rejected) > SHOWN_REJECTIONS:
        print(f"… and {len(report.rejected) - SHOWN_REJECTIONS:,} more rejected rows"
              + ("" if args.rejects else " (--rejects FILE saves them all)"), file=sys.stderr)
    if args.rejects:
        from .rejects import rejected_file

        Path(args.rejects).write_bytes(rejected_file(Path(args.file).read_bytes(), report, "en")[0])
    for row in report.warnings.itertuples():
        print(f"{args.file}:{row.line}: warning: {row.warning}")
    print(report.message)
    if report.review == "submitted":
        print(t("review.submitted_note", batch=report.batch_id))
    return 0 if report.status in ("committed", "dry_run", "duplicate") and not (
        args.strict and len(report.rejected)) else 1


def _batches(args: argparse.Namespace) -> int:
    frame = list_batches(args.db)
    if frame.empty:
        print("no upload batches yet")
    else:
        print(frame.drop(columns=["sha256"]).to_string(index=False))
    return 0


def _rollback(args: argparse.Namespace) -> int:
    print(rollback_batch(args.batch, _actor(args), db=args.db))
    return 0


def _review(args: argparse.Namespace) -> int:
    """The review queue, or one review step in the command runner's name (an administrator's)."""
    from .i18n import t
    from .review import ReviewRefused, approve, batches, return_batch

    if args.action != "list" and args.batch is None:
        raise ValueError(f"review {args.action} needs the batch number")
    try:
        if args.action == "list":
            frame = batches(args.db, states=("submitted", "approved", "returned", "rolled_back") if args.all
                            else ("submitted",))
            print(frame.to_string(index=False) if len(frame) else "no batch is waiting for review")
        elif args.action == "approve":
            approve(args.batch, _actor(args), comment=args.comment, db=args.db)
            print(t("review.approved", batch=args.batch))
        else:
            uploader = return_batch(args.batch, _actor(args), comment=args.comment or "", db=args.db)
            print(t("review.returned", batch=args.batch, user=uploader))
    except ReviewRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _finance(args: argparse.Namespace) -> int:
    """``finance import FILE`` (checks, then one batch) or ``finance template PROGRAMME -o FILE``."""
    from .finance_ingest import import_finance, template_csv

    catalog = load_catalog()
    if args.action == "template":
        if args.target not in catalog:
            raise ValueError(f"unknown programme '{args.target}' (known: {', '.join(catalog)})")
        if not args.output:
            raise ValueError("finance template needs -o FILE")
        Path(args.output).write_bytes(template_csv(catalog[args.target], args.lang))
        print(f"{args.output}: financial template for {args.target} in {args.lang}")
        return 0
    report = import_finance(args.target, catalog, _actor(args), db=args.db, dry_run=args.dry_run, lang=args.lang)
    for row in report.rejected.itertuples():
        print(f"{args.target}:{row.line}: rejected: {row.reason}", file=sys.stderr)
    for row in report.warnings.itertuples():
        print(f"{args.target}:{row.line}: warning: {row.warning}")
    print(report.message)
    return 0 if report.status in ("committed", "dry_run", "duplicate") else 1


def _demo(args: argparse.Namespace) -> int:
    from .demo import demo_activity_progress, demo_csv, demo_finance_csv
    from .finance_ingest import import_finance_bytes
    from .ingest import import_bytes
    from .review import approve
    from .tracking import current_actuals, record_activity

    demo = User("demo", "admin")
    for code, lf in load_catalog().items():
        report = import_bytes(demo_csv(lf), f"demo-{code}.csv", {code: lf}, demo, db=args.db)
        print(report.message)
        if report.review == "submitted":
            approve(report.batch_id, demo, comment="synthetic demo data", db=args.db)  # the demo shows its data
            print(f"{code}: demo batch {report.batch_id} approved")
        if not current_actuals(code, args.db):
            rows = demo_activity_progress(lf)
            for row in rows:
                record_activity(code, row.pop("activity"), actor=demo, db=args.db, **row)
            print(f"{code}: {len(rows)} synthetic activity records")
    for code, lf in load_catalog().items():  # after the measurements, whose batches keep their numbers
        print(import_finance_bytes(demo_finance_csv(lf), f"demo-finance-{code}.csv", {code: lf}, demo,
                                   db=args.db).message)
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report_files import RENDERERS, export_report

    # The browser for the charts starts on the other core while this one builds the report.
    with RENDERERS[args.format].ahead():
        from .report_state import as_submitted, current_report

        catalog = load_catalog()
        if args.programme not in catalog:
            raise ValueError(f"unknown programme '{args.programme}' (known: {', '.join(catalog)})")
        lf = catalog[args.programme]
        period = lf.reporting_period(args.period)
        if args.status == "submitted":
            report = as_submitted(lf, period, args.lang, args.db)
            if report is None:
                raise ValueError(f"the report of {args.programme} {period.label} has not been submitted")
        else:
            report = current_report(lf, period, args.lang, args.db)
        data = export_report(report, args.format)
    Path(args.output).write_bytes(data)
    control, pinned_at = report.committee.control, report.committee.store_snapshot
    shown = "" if args.status != "submitted" else \
        ", as submitted" + ("" if pinned_at is None else f" (DuckLake snapshot {pinned_at})")
    print(f"{args.output}: {args.format} report for {args.programme} {period} in {args.lang}, version {control.version} "
          f"({control.status}{shown}), {len(data):,} bytes")
    return 0


def _users(args: argparse.Namespace) -> int:
    from .access import add_user, load_users, users_path

    codes = set(load_catalog())
    users = load_users(programmes=codes)
    if args.action == "list":
        for name, account in sorted((users or {}).items()):
            scoped = ", ".join(f"{code}: {role}" for code, role in account.roles)
            print(f"{name}\t{account.role}" + (f"\t{scoped}" if scoped else ""))
        if users is None:
            print(f"no users file at {users_path()}: local single-user mode")
        return 0
    if not args.name or not (args.role or args.default_role):
        raise ValueError("users add needs NAME and --role (or --default-role)")
    if args.programme and not args.role:
        raise ValueError("--programme needs the --role the user has there")
    keeps_password = args.name in (users or {}) and (args.programme or args.default_role) and not args.password_stdin
    password = None if keeps_password else sys.stdin.readline().rstrip("\n") if args.password_stdin \
        else getpass.getpass(f"password for {args.name}: ")
    add_user(args.name, args.role, password, actor=_actor(args), db=args.db, programmes=args.programme or (),
             default_role=args.default_role, known=codes)
    account = load_users(programmes=codes)[args.name]
    scoped = "".join(f", {role} in {code}" for code, role in account.roles)
    print(f"{args.name}: {account.role}{scoped} (stored in {users_path()}, password "
          f"{'kept' if password is None else 'hashed'})")
    return 0


def _chart(args: argparse.Namespace) -> int:
    """One indicator's chart as on the Indicators page, assessed at --as-of (default: the end of the
    latest data or today, never after the programme's end)."""
    import datetime as dt

    from .chart_export import to_html, to_png, to_svg
    from .charts import indicator_chart
    from .measurements import current_measurements, data_as_of
    from .progress import indicator_progress, series

    catalog = load_catalog()
    if args.programme not in catalog:
        raise ValueError(f"unknown programme '{args.programme}' (known: {', '.join(catalog)})")
    lf = catalog[args.programme]
    indicator = lf.indicator(args.indicator)
    if indicator is None:
        raise ValueError(f"unknown indicator '{args.indicator}' in {args.programme}")
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else min(
            data_as_of(args.programme, args.db) or dt.date.today(), dt.date.today(), lf.end_date)
    except ValueError:
        raise ValueError(f"--as-of '{args.as_of}' is not a date (YYYY-MM-DD)") from None
    measured = current_measurements(args.programme, args.db)
    expected = indicator_progress(measured, {args.programme: lf}, as_of).set_index("indicator")["expected"]
    fig = indicator_chart(series(measured, indicator.code, lf), indicator, args.lang, as_of,
                          expected.get(indicator.code))
    data = to_png(fig) if args.format == "png" else to_svg(fig) if args.format == "svg" else to_html(fig).encode()
    Path(args.output).write_bytes(data)
    print(f"{args.output}: {args.format} chart of {indicator.code} at {as_of} in {args.lang}, {len(data):,} bytes")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kzlogframe", description=__doc__)
    parser.add_argument("--db", default=os.environ.get("KZLOGFRAME_DB"),
                        help="DuckDB file or postgresql:// URL of a DuckLake store (default: $KZLOGFRAME_DB or "
                             "data/kzlogframe.duckdb)")
    parser.add_argument("--user", default=getpass.getuser(), help="name recorded in the upload history")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check logframe YAML files; exit 1 on any error")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(run=_validate)

    imp = commands.add_parser("import", help="import a CSV or XLSX of measurements (all accepted rows or nothing)")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.add_argument("--strict", action="store_true",
                     help="all rows or none: when any row is rejected, commit nothing and exit 1")
    imp.add_argument("--rejects", metavar="FILE",
                     help="write the rejected rows as they were, with an error column, in the file's format")
    imp.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx to read (default: the first)")
    imp.add_argument("--wait", type=float, default=IMPORT_WAIT_SECONDS, metavar="SECONDS",
                     help=f"how long to wait while another process holds the store (default {IMPORT_WAIT_SECONDS:g})")
    imp.set_defaults(run=_import)

    finance = commands.add_parser("finance", help="financial entries: import a CSV (one batch) or write a template")
    finance.add_argument("action", choices=["import", "template"])
    finance.add_argument("target", metavar="FILE|PROGRAMME", help="the CSV to import, or the programme of the template")
    finance.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    finance.add_argument("--lang", choices=["kk", "en", "ru"], default="en", help="language of messages and headers")
    finance.add_argument("-o", "--output", metavar="FILE", help="where the template is written")
    finance.set_defaults(run=_finance)

    batches = commands.add_parser("batches", help="list upload batches, newest first")
    batches.set_defaults(run=_batches)

    audit = commands.add_parser("audit", help="check that the audit log's hash chain is unbroken; exit 1 if not")
    audit.add_argument("action", choices=["verify"])
    audit.add_argument("--db", default=argparse.SUPPRESS, help="DuckDB file (as the --db before the command)")
    audit.set_defaults(run=_audit)

    backup = commands.add_parser("backup", help="write every table of the store (either backend) to a new folder")
    backup.add_argument("directory", metavar="DIR")
    backup.set_defaults(run=_backup)

    restore = commands.add_parser("restore", help="load a backup folder into an empty store (either backend)")
    restore.add_argument("directory", metavar="DIR")
    restore.add_argument("--force", action="store_true", help="replace the contents of a store that has data")
    restore.set_defaults(run=_restore)

    rollback = commands.add_parser("rollback", help="withdraw an upload batch (its rows stay in history)")
    rollback.add_argument("batch", type=int, metavar="BATCH")
    rollback.set_defaults(run=_rollback)

    review = commands.add_parser("review", help="the review queue; approve a batch or return it with a comment")
    review.add_argument("action", choices=["list", "approve", "return"])
    review.add_argument("batch", nargs="?", type=int, metavar="BATCH")
    review.add_argument("--comment", help="why (required to return a batch)")
    review.add_argument("--all", action="store_true", help="list every batch with its review state")
    review.set_defaults(run=_review)

    report = commands.add_parser("report", help="the semi-annual Steering Committee report for one period")
    report.add_argument("programme", metavar="PROGRAMME")
    report.add_argument("period", metavar="PERIOD",
                        help="a reporting period of the programme's calendar (2014-H2, or S7 for semesters) "
                             "or a date it contains (2014-12-31)")
    report.add_argument("--format", choices=["html", "pdf", "docx", "xlsx"], default="pdf")
    report.add_argument("--lang", choices=["kk", "en", "ru"], default="kk")
    report.add_argument("-o", "--output", required=True, metavar="FILE")
    report.add_argument("--status", choices=["current", "submitted"], default="current",
                        help="current: from the store as it is now (the document's version and status are "
                             "printed in it); submitted: rebuilt from the store state recorded when the report "
                             "was submitted, so corrections made since do not change its numbers")
    report.set_defaults(run=_report)

    users = commands.add_parser("users", help="manage accounts in data/users.yaml (or $KZLOGFRAME_USERS)")
    users.add_argument("action", choices=["add", "list"])
    users.add_argument("name", nargs="?", metavar="NAME")
    users.add_argument("--role", choices=list(SCOPE_ROLES),
                       help="the user's role (in the --programme given, else the default role everywhere)")
    users.add_argument("--programme", action="append", metavar="CODE",
                       help="give --role in this programme only (repeatable); 'none' hides the programme")
    users.add_argument("--default-role", choices=list(SCOPE_ROLES),
                       help="the role in every programme without one of its own (a new user: viewer)")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.set_defaults(run=_users)

    demo = commands.add_parser("demo", help="load synthetic demo measurements and financial entries for the bundled "
                                           "programmes")
    demo.set_defaults(run=_demo)

    chart = commands.add_parser("chart", help="one indicator's chart (actual vs planned) as PNG, SVG or HTML")
    chart.add_argument("programme", metavar="PROGRAMME")
    chart.add_argument("indicator", metavar="INDICATOR")
    chart.add_argument("--format", choices=["png", "svg", "html"], default="png")
    chart.add_argument("--lang", choices=["kk", "en", "ru"], default="kk")
    chart.add_argument("--as-of", metavar="DATE", help="assessment date YYYY-MM-DD (default: end of the latest data)")
    chart.add_argument("-o", "--output", required=True, metavar="FILE")
    chart.set_defaults(run=_chart)

    iati = commands.add_parser("iati", help="write a programme's results as an IATI 2.03 activity XML file")
    iati.add_argument("programme", metavar="PROGRAMME")
    iati.add_argument("-o", "--output", required=True, metavar="FILE")
    iati.set_defaults(run=_iati)
    return parser


def _iati(args: argparse.Namespace) -> int:
    from .finance_ingest import current_entries
    from .iati import activity_identifier, iati_xml
    from .measurements import current_measurements

    catalog = load_catalog()
    if args.programme not in catalog:
        raise ValueError(f"unknown programme '{args.programme}' (known: {', '.join(catalog)})")
    lf = catalog[args.programme]
    data = iati_xml(lf, current_measurements(args.programme, args.db), finance=current_entries(args.programme, args.db))
    Path(args.output).write_bytes(data)
    print(f"{args.output}: IATI {activity_identifier(lf)}, {len(data):,} bytes")
    if not lf.programme.is_eu:  # the Government's activity: the EC only reproduces it
        print(f"note: {args.programme} is a {lf.programme.kind.value.replace('_', ' ')}, not an EU activity: the file "
              "describes the Government's activity, with the Government as funder and the European Commission as "
              "secondary reporter (reporting-org/@secondary-reporter); publish it only with the Government's agreement")
    return 0


def _audit(args: argparse.Namespace) -> int:
    """Walk the audit log's hash chain; print the last hash so it can be kept elsewhere and compared."""
    from .audit import verify_audit_chain

    check = verify_audit_chain(args.db)
    if not check.ok:
        where = f"entry {check.first_bad_id}" if check.first_bad_id is not None else "the audit log"
        print(f"audit log broken at {where}: {check.reason} ({check.entries} entries)", file=sys.stderr)
        return 1
    print(f"audit log intact: {check.entries} entries")
    print(f"last hash: {check.last_hash}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from .backup import backup

    print(f"backup written: {backup(args.directory, _actor(args), args.db).message}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from .backup import restore

    print(f"restored from {restore(args.directory, _actor(args), args.db, force=args.force).message}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (UploadError, LogframeError, StoreLocked, ValueError, RuntimeError, ConnectionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
