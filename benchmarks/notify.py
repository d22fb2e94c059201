"""Benchmarks of the daily deadline check: planning and delivery.

    python -m benchmarks.notify                      # both databases, both receivers
    python -m benchmarks.notify --only plan --db sqlite --tasks 100000
    python -m benchmarks.notify --only delivery --digests 2000

Each scenario prints one JSON line {"scenario","db","n_tasks","median_s","floor_s","ratio",
"peak_mb", ...}. Planning is compared with the raw SQL of the same selection (the statement
planning runs, executed on a bare DB-API cursor and fetched, measured in the same run);
delivery with the bare protocol (one keep-alive HTTP connection posting the same payloads;
one smtplib connection sending the same messages).
"""

from __future__ import annotations

import argparse
import json
import logging
import smtplib
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from email.message import EmailMessage
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import apprise
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import Session

from benchmarks.measure import DEFAULT_POSTGRES, fresh_database, median_seconds, peak_mb, result
from benchmarks.synthetic import generate_ledger
from ledger.reminders import candidate_query, plan_reminders
from ledger.uow import transaction
from models.db import make_engine, upgrade_schema
from models.enums import Role
from models.rules import Rules
from models.settings import Settings
from models.tables import User
from models.workdays import WorkCalendar
from notifications.daily import plan_daily_check
from notifications.delivery import deliver_pending
from notifications.outbox import NoticeDraft, enqueue


class _Receiver(ThreadingHTTPServer):
    # socketserver's default backlog of 5 refuses connections when 16 delivery workers
    # connect at once; a real receiver queues them.
    request_queue_size = 128


AS_OF = date(2026, 12, 1)  # a Tuesday
NEXT_DAY = date(2026, 12, 2)

# The office user the whole-process check runs as (the synthetic ledger has leaders only).
OFFICE_RUNNER = "整改办值班员"


def _db_label(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _settings(url: str, data_dir: Path, apprise_config: Path | None = None) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        rules=Rules(),
        holiday_file=None,
        apprise_config=apprise_config,
        templates_dir=None,
    )


def raw_selection(engine: sa.Engine, stmt: sa.Select[Any]) -> int:
    """The floor: the planning statement itself (same columns, same WHERE, same correlated
    subqueries for the latest progress and the steps done) run once on a bare DB-API
    cursor, every row fetched as the driver's tuples."""
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    processors: dict[str, Any] = dict(compiled._bind_processors)  # type: ignore[arg-type]
    values = {k: processors[k](v) if k in processors else v for k, v in params.items()}
    args: Any = (
        tuple(values[k] for k in compiled.positiontup or []) if compiled.positional else values
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(str(compiled), args)
        return len(cursor.fetchall())
    finally:
        raw.close()


def paired_medians(
    floor: Callable[[], Any], work: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """Medians of the floor and the work timed in turns, so a burst of load from other jobs
    on the machine falls on both rather than on one side of the ratio."""
    floor_times: list[float] = []
    work_times: list[float] = []
    for _ in range(runs):
        for fn, times in ((floor, floor_times), (work, work_times)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(floor_times), statistics.median(work_times)


def _forget_checks(engine: sa.Engine) -> None:
    """Undo what daily checks wrote (notices, marks, 督办通知单 and their history), so a
    written run can be timed again on the same ledger."""
    with engine.begin() as conn:
        for sql in (
            "DELETE FROM remindermark",
            "DELETE FROM supervisionorder",
            "DELETE FROM history WHERE action = 'supervise'",
            "DELETE FROM noticeattempt",
            "DELETE FROM notice",
        ):
            conn.execute(sa.text(sql))
    if engine.dialect.name == "postgresql":
        # Without this the next timed run would insert past the deleted rows' dead tuples
        # in every index, which a real first run never meets.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("remindermark", "supervisionorder", "history", "notice"):
                conn.execute(sa.text(f"VACUUM ANALYZE {table}"))


def bench_daily_plan(
    n_tasks: int, n_units: int, db_url: str, *, repeat: int = 3
) -> list[dict[str, Any]]:
    """Planning the daily check over a synthetic ledger written into the EMPTY database.

    Scenarios (each a median of `repeat` runs, the floor measured in the same run):
    select + ladder + group (plan_reminders, what is due for whom, nothing rendered);
    a dry run (that plus rendering every digest); the first written run (every rung due
    at once: notices, marks, 督办通知单 and history in one transaction); the next working
    day written on top of it (the steady state)."""
    engine = make_engine(db_url)
    upgrade_schema(engine)
    db = _db_label(db_url)
    rules, calendar = Rules(), WorkCalendar()
    rows: list[dict[str, Any]] = []

    def selection(day: date) -> sa.Select[Any]:
        """The statement planning runs on `day`."""
        return candidate_query(day, calendar, rules, engine.dialect.name)

    try:
        generate_ledger(engine, n_tasks=n_tasks, n_units=n_units, as_of=AS_OF)
        stmt = selection(AS_OF)
        selected = raw_selection(engine, stmt)  # also the warm-up

        def plan() -> None:
            with Session(engine) as session:
                plan_reminders(session, today=AS_OF, calendar=calendar, rules=rules)

        plan()
        floor_s, plan_s = paired_medians(lambda: raw_selection(engine, stmt), plan, repeat)
        with Session(engine) as session:
            planned = plan_reminders(session, today=AS_OF, calendar=calendar, rules=rules)
        rows.append(
            result(
                "daily_plan_select_ladder_group",
                db,
                n_tasks,
                plan_s,
                floor_s,
                peak_mb(plan),
                candidates=selected,
                tasks_due=len(planned.due),
                digests=len(planned.digests),
            )
        )
        with tempfile.TemporaryDirectory() as scratch:
            settings = _settings(db_url, Path(scratch))
            dry_s = median_seconds(
                lambda: plan_daily_check(
                    engine, settings, as_of=AS_OF, now=_nine(AS_OF), dry_run=True
                ),
                repeat,
            )
            rows.append(result("daily_plan_dry_run_rendered", db, n_tasks, dry_s, floor_s, None))
            # Writing: the first run catches up every rung due (one notice per digest, a mark
            # per task and rung, 督办通知单); the next working day is the steady state.
            first: list[float] = []
            next_day: list[float] = []
            next_floor: list[float] = []
            reports = []
            for _ in range(repeat):
                _forget_checks(engine)
                start = time.perf_counter()
                reports.append(plan_daily_check(engine, settings, as_of=AS_OF, now=_nine(AS_OF)))
                first.append(time.perf_counter() - start)
                # The next day's floor: its selection on the ledger as the first run left it.
                day_stmt = selection(NEXT_DAY)
                raw_selection(engine, day_stmt)
                start = time.perf_counter()
                raw_selection(engine, day_stmt)
                next_floor.append(time.perf_counter() - start)
                start = time.perf_counter()
                reports.append(
                    plan_daily_check(engine, settings, as_of=NEXT_DAY, now=_nine(NEXT_DAY))
                )
                next_day.append(time.perf_counter() - start)
            for label, times, day_floor, report in (
                ("daily_plan_write_first_run", first, floor_s, reports[-2]),
                ("daily_plan_write_next_day", next_day, statistics.median(next_floor), reports[-1]),
            ):
                rows.append(
                    result(
                        label,
                        db,
                        n_tasks,
                        statistics.median(times),
                        day_floor,
                        None,
                        planned=report.planned,
                        steps_marked=report.steps_marked,
                        supervision_orders=len(report.supervision_orders),
                    )
                )
    finally:
        engine.dispose()
    return rows


def _nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, tzinfo=UTC)  # 09:00 in Shanghai


# --- delivery ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def http_receiver(
    delay: float = 0.0, paths: list[tuple[str, float]] | None = None
) -> Iterator[tuple[int, list[int]]]:
    """A loopback HTTP receiver counting posts; `delay` seconds per post (a slow robot);
    `paths` collects each post's path and arrival (perf_counter) when given."""
    count = [0]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if delay:
                time.sleep(delay)
            with lock:
                count[0] += 1
                if paths is not None:
                    paths.append((self.path, time.perf_counter()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = _Receiver(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], count
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, list[int]]]:
    count = [0]

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            count[0] += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, count
    finally:
        controller.stop()


def _draft(i: int, n_tasks: int = 12) -> NoticeDraft:
    rows = "\n".join(
        f"{k}. 任务{i}.{k}:建立扶贫资金台账,逐项核查整改进度\n   整改时限:2026年11月{k}日(已逾期{k}个工作日)"
        for k in range(1, n_tasks + 1)
    )
    html = (
        "<table>"
        + "".join(
            f"<tr><td>{i}.{k}</td><td>建立扶贫资金台账</td><td>已逾期{k}个工作日</td></tr>"
            for k in range(1, n_tasks + 1)
        )
        + "</table>"
    )
    return NoticeDraft(
        kind="urge",
        recipient=f"r{i:05d}",
        period=AS_OF.isoformat(),
        task_ids=list(range(n_tasks)),
        title=f"【催办通知】{n_tasks}项整改任务已逾期未完成",
        body_text=f"第{i:04d}责任单位:\n\n经查,以下整改任务已超过整改时限仍未销号。\n\n{rows}\n\n整改办",
        body_html=html,
        body_md=rows,
    )


def _urls(target: str, port: int, n: int) -> list[str]:
    if target == "http":
        return [f"json://127.0.0.1:{port}/r{i:05d}" for i in range(n)]
    return [
        f"mailto://127.0.0.1:{port}?from=zgb@example.cn&to=r{i:05d}@example.cn" for i in range(n)
    ]


def bench_delivery(n_digests: int, target: str = "http", *, workers: int = 16) -> dict[str, Any]:
    """n digests, one recipient (and one channel URL) each, delivered to a loopback receiver.

    target: "http" (Apprise json://), "smtp" (mailto:// through rectify's delivery), or
    "smtp-apprise-naive" (no outbox: one Apprise object and one notify() per message on
    `workers` threads, the way a first attempt would do it, for comparison).
    """
    receiver = http_receiver if target == "http" else smtp_receiver
    drafts = [_draft(i) for i in range(n_digests)]
    with receiver() as (port, count), tempfile.TemporaryDirectory() as scratch:
        urls = _urls(target, port, n_digests)
        if target == "smtp-apprise-naive":

            def one(i: int) -> bool:
                apobj = apprise.Apprise()
                apobj.add(urls[i])
                d = drafts[i]
                return bool(apobj.notify(body=d.body_html, title=d.title, body_format="html"))

            start = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                ok = sum(pool.map(one, range(n_digests)))
            elapsed = time.perf_counter() - start
            floor_s = _smtp_floor(port, drafts)
            return result(
                "delivery_smtp_apprise_naive",
                "-",
                n_digests,
                elapsed,
                floor_s,
                None,
                sent=ok,
                received=count[0],
                workers=workers,
            )
        config = Path(scratch) / "apprise.yml"
        config.write_text(
            "urls:\n"
            + "".join(
                f"  - {u}:\n      tag: {d.recipient}\n" for u, d in zip(urls, drafts, strict=True)
            ),
            encoding="utf-8",
        )
        url = f"sqlite:///{scratch}/bench.db"
        engine = make_engine(url)
        upgrade_schema(engine)
        with transaction(engine) as session:
            enqueue(drafts, session=session, now=_nine(AS_OF))
        settings = _settings(url, Path(scratch), config)
        start = time.perf_counter()
        report = deliver_pending(engine, settings, now=_nine(AS_OF), max_workers=workers)
        elapsed = time.perf_counter() - start
        engine.dispose()
        floor_s = _http_floor(port, drafts) if target == "http" else _smtp_floor(port, drafts)
        return result(
            f"delivery_{target}",
            "sqlite",
            n_digests,
            elapsed,
            floor_s,
            None,
            sent=report.sent,
            received=count[0] - n_digests,  # the floor's sends are counted after
            workers=workers,
        )


def _http_floor(port: int, drafts: list[NoticeDraft]) -> float:
    conn = HTTPConnection("127.0.0.1", port)
    start = time.perf_counter()
    for d in drafts:
        body = json.dumps(
            {"title": d.title, "message": d.body_text, "type": "info"}, ensure_ascii=False
        ).encode()
        conn.request("POST", f"/{d.recipient}", body, {"Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()
    return time.perf_counter() - start


def _smtp_floor(port: int, drafts: list[NoticeDraft]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for d in drafts:
            msg = EmailMessage()
            msg["Subject"], msg["From"], msg["To"] = (
                d.title,
                "zgb@example.cn",
                f"{d.recipient}@example.cn",
            )
            msg.set_content(d.body_text)
            msg.add_alternative(d.body_html, subtype="html")
            smtp.send_message(msg)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="每日检查(规划与发送)的基准测试")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--digests", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--only", choices=["plan", "delivery", "all"], default="all")
    parser.add_argument("--naive", action="store_true", help="also time naive Apprise email")
    args = parser.parse_args()
    logging.getLogger("apprise").setLevel(logging.ERROR)
    if args.only in ("plan", "all"):
        for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
            with fresh_database(db, args.postgres_url) as url:
                for row in bench_daily_plan(args.tasks, args.units, url, repeat=args.repeat):
                    print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.only in ("delivery", "all"):
        targets = ["http", "smtp"] + (["smtp-apprise-naive"] if args.naive else [])
        for target in targets:
            print(json.dumps(bench_delivery(args.digests, target), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()


# --- the whole daily check as an operator runs it ---------------------------------------


@contextmanager
def recording_smtp_receiver() -> Iterator[tuple[int, list[tuple[str, list[str], bytes]]]]:
    """A loopback SMTP server keeping every message as received (envelope and bytes)."""
    kept: list[tuple[str, list[str], bytes]] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            kept.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, kept
    finally:
        controller.stop()


def _tags(engine: sa.Engine) -> list[str]:
    """Every Apprise tag a digest can address: units, persons, leaders and the office."""
    with engine.connect() as conn:
        tags = set(conn.execute(sa.text("SELECT name FROM unit")).scalars())
        for column in ("person", "leader"):
            tags |= set(conn.execute(sa.text(f"SELECT DISTINCT {column} FROM task")).scalars())
    return sorted(t for t in tags | {"office"} if t)


def _cli_seconds(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    import subprocess
    import sys

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"rectify {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return elapsed, done.stdout


def _bare_smtp(port: int, messages: list[tuple[str, list[str], bytes]], connections: int) -> None:
    """The same messages, byte for byte, over the same number of connections."""
    lanes = [messages[i::connections] for i in range(connections)]

    def lane(batch: list[tuple[str, list[str], bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for sender, to, body in batch:
                smtp.sendmail(sender, to, body)

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(lane, [b for b in lanes if b]))


def bench_check_day(
    n_tasks: int, n_units: int, db_url: str, *, repeat: int = 3
) -> list[dict[str, Any]]:
    """`rectify check` of the catch-up day as one process, delivering every notice by email to
    a loopback SMTP server (one mailto URL per tag in the Apprise configuration), and the
    same-day rerun that sends nothing.

    Floors, measured in the same run: the planning selection on a bare cursor plus bare
    smtplib sending the same messages (the bytes the receiver got) over the same number of
    connections; for the rerun, a bare `rectify tasks` process on the same database."""
    import os

    engine = make_engine(db_url)
    upgrade_schema(engine)
    db = _db_label(db_url)
    rules, calendar = Rules(), WorkCalendar()
    rows: list[dict[str, Any]] = []
    try:
        generate_ledger(engine, n_tasks=n_tasks, n_units=n_units, as_of=AS_OF)
        stmt = candidate_query(AS_OF, calendar, rules, engine.dialect.name)
        raw_selection(engine, stmt)  # warm-up
        with recording_smtp_receiver() as (port, kept), tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp)
            tags = _tags(engine)
            with engine.connect() as conn:  # someone allowed to list tasks
                reader = str(conn.execute(sa.text('SELECT name FROM "user" ORDER BY id')).scalar())
            # Once users exist, a check started by hand needs an office actor.
            with Session(engine) as session:
                session.add(User(name=OFFICE_RUNNER, role=Role.office))
                session.commit()
            config = scratch / "apprise.yml"
            config.write_text(
                "urls:\n"
                + "".join(
                    f"  - mailto://127.0.0.1:{port}?from=zgb@example.cn&to=r{i:05d}@example.cn:\n"
                    f"      tag: {tag}\n"
                    for i, tag in enumerate(tags)
                ),
                encoding="utf-8",
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
            env.update(
                RECTIFY_DATABASE_URL=db_url,
                RECTIFY_DATA_DIR=str(scratch / "data"),
                RECTIFY_APPRISE_CONFIG=str(config),
                PYTHONPATH=str(Path(__file__).resolve().parent.parent),
            )
            args = ["check", "--as-of", AS_OF.isoformat(), "--json", "--as", OFFICE_RUNNER]
            connections = Settings(
                database_url=db_url,
                data_dir=scratch,
                rules=rules,
                holiday_file=None,
                apprise_config=config,
                templates_dir=None,
            ).notify.smtp_connections
            day: list[float] = []
            floors: list[float] = []
            again: list[float] = []
            bare: list[float] = []
            sent = 0
            for _ in range(repeat):
                _forget_checks(engine)
                kept.clear()
                elapsed, out = _cli_seconds(args, env, scratch)
                day.append(elapsed)
                sent = json.loads(out)["sent"]
                messages = list(kept)
                start = time.perf_counter()
                raw_selection(engine, stmt)
                _bare_smtp(port, messages, connections)
                floors.append(time.perf_counter() - start)
                elapsed, out = _cli_seconds(args, env, scratch)
                again.append(elapsed)
                assert json.loads(out)["sent"] == 0
                bare.append(_cli_seconds(["tasks", "--as", reader], env, scratch)[0])
            rows.append(
                result(
                    "check_catch_up_day_smtp",
                    db,
                    n_tasks,
                    statistics.median(day),
                    statistics.median(floors),
                    None,
                    messages=len(messages),
                    sent=sent,
                    tags=len(tags),
                    smtp_connections=connections,
                )
            )
            rows.append(
                result(
                    "check_rerun_sends_nothing",
                    db,
                    n_tasks,
                    statistics.median(again),
                    statistics.median(bare),
                    None,
                    floor="bare `rectify tasks` process",
                    tags=len(tags),
                )
            )
    finally:
        engine.dispose()
    return rows


# --- several deliverers sharing one outbox ----------------------------------------------


def bench_deliverers(
    db_url: str,
    *,
    n_notices: int = 200,
    delay: float = 0.05,
    deliverers: tuple[int, ...] = (1, 2, 4),
    claim_batch: int = 5,
) -> list[dict[str, Any]]:
    """`rectify deliver` processes started together against `n_notices` pending notices, each
    to its own json:// URL on a receiver taking `delay` seconds per post. One row per number
    of deliverers: the time until every process ended, each one's share, and what the
    receiver counted (every notice once). Floor, in the same run: one bare keep-alive HTTP
    connection posting the same payloads one after another. `sending_s` is the span from the
    first post to the last, without the processes' start-up (a second or more of imports
    each, which dominates the whole at this size)."""
    import os
    import subprocess
    import sys
    from collections import Counter

    db = _db_label(db_url)
    engine = make_engine(db_url)
    upgrade_schema(engine)
    paths: list[tuple[str, float]] = []
    rows: list[dict[str, Any]] = []
    drafts = [_draft(i, n_tasks=1) for i in range(n_notices)]
    try:
        with http_receiver(delay, paths) as (port, _), tempfile.TemporaryDirectory() as tmp:
            scratch = Path(tmp)
            config = scratch / "apprise.yml"
            config.write_text(
                "urls:\n"
                + "".join(
                    f"  - json://127.0.0.1:{port}/{d.recipient}:\n      tag: {d.recipient}\n"
                    for d in drafts
                ),
                encoding="utf-8",
            )
            toml = scratch / "rectify.toml"
            toml.write_text(f"[notify]\nclaim_batch = {claim_batch}\n", encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
            env.update(
                RECTIFY_DATABASE_URL=db_url,
                RECTIFY_DATA_DIR=str(scratch / "data"),
                RECTIFY_APPRISE_CONFIG=str(config),
                RECTIFY_CONFIG=str(toml),
                PYTHONPATH=str(Path(__file__).resolve().parent.parent),
            )
            paths.clear()
            floor_s = _http_floor(port, drafts)
            for count in deliverers:
                _forget_checks(engine)
                with transaction(engine) as session:
                    enqueue(drafts, session=session, now=_nine(AS_OF))
                paths.clear()
                start = time.perf_counter()
                processes = [
                    subprocess.Popen(
                        [sys.executable, "-m", "cli", "deliver", "--json"],
                        cwd=scratch,
                        env=env,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    for _ in range(count)
                ]
                outputs = [p.communicate(timeout=600) for p in processes]
                elapsed = time.perf_counter() - start
                if any(p.returncode for p in processes):
                    raise RuntimeError(f"rectify deliver failed: {[e for _, e in outputs]}")
                received = Counter(path for path, _ in paths)
                arrivals = [at for _, at in paths]
                rows.append(
                    result(
                        "deliverers_share_outbox",
                        db,
                        n_notices,
                        elapsed,
                        floor_s,
                        None,
                        deliverers=count,
                        sending_s=round(max(arrivals) - min(arrivals), 3) if arrivals else None,
                        shares=[json.loads(out)["sent"] for out, _ in outputs],
                        received=sum(received.values()),
                        distinct=len(received),
                        receiver_delay_s=delay,
                        claim_batch=claim_batch,
                        floor="one bare HTTP connection, posts one after another",
                    )
                )
    finally:
        engine.dispose()
    return rows
