"""Ledger benchmark: how the fund pages hold up as the ledger grows (prints numbers, not a test).

For each size (about 10k, 100k and 1M postings over 500 communities, one large community
holding a fifth of them) it makes a scratch database, migrates it, bulk-loads rows shaped
like the ones ``record_donation`` writes, checks them with ``ledger verify``, serves the app
with gunicorn (2 workers) on loopback and times ``/healthz``, the staff fund dashboard and
the public disclosure page of the large community with a fixed number of requests from
4 client threads. Then it prints one table and the goals.

    .venv/bin/python bench/ledger.py                      # PostgreSQL, 10k, 100k and 1m
    .venv/bin/python bench/ledger.py --sizes 10k --requests 100
    .venv/bin/python bench/ledger.py --sqlite

See bench/README.md.
"""

import argparse
import http.client
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"
TENANTS = 500
STREETS = 10
LARGE_SHARE = 5            # the large community holds 1/LARGE_SHARE of the postings
DAYS = 730                 # donations spread over the last 24 months
CHUNK = 20_000             # postings per bulk flush
CONCURRENCY = 4
GOAL_P95_MS = 50.0
GOAL_SLOWDOWN = 1.5
LARGE_SLUG = "bench-large"
STAFF_EMAIL = "bench-staff@example.cn"
DONOR_TYPES = ("person", "resident", "party_member", "shop", "company", "co_building_unit")
DONOR_WEIGHTS = (40, 30, 8, 10, 8, 4)
CHANNELS = ("cash", "bank_transfer", "online_platform")
CHANNEL_WEIGHTS = (45, 20, 35)
ORGANISATION_WORDS = {"shop": ("便民超市", "爱心药房", "早餐店", "五金店"),
                      "company": ("建材有限公司", "物业服务有限公司", "食品公司", "科技有限公司"),
                      "co_building_unit": ("卫生院", "派出所", "供电所", "中心小学")}


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    return int(float(number) * factor)


def label_of(postings: int) -> str:
    if postings % 1_000_000 == 0:
        return f"{postings // 1_000_000}m"
    if postings % 1_000 == 0:
        return f"{postings // 1_000}k"
    return str(postings)


# --- scratch databases ------------------------------------------------------------------

def create_postgres_database(server_url: str, label: str) -> str:
    from sqlalchemy import create_engine, text

    from app.config import normalise_database_url

    base = normalise_database_url(server_url)
    name = f"linli_bench_{uuid.uuid4().hex[:10]}_{label}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    base, name = url.rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(url: str, instance_path: Path, secret_key: str):
    from app import create_app
    from app.config import Config

    class BenchConfig(Config):
        def __init__(self) -> None:
            self.SECRET_KEY = secret_key
            self.SQLALCHEMY_DATABASE_URI = url
            self.INSTANCE_PATH = instance_path
            self.UPLOAD_FOLDER = instance_path / "uploads"

    return create_app(BenchConfig())


# --- seeding ----------------------------------------------------------------------------

@dataclass
class Seeded:
    postings: int = 0
    entries: int = 0
    donations: int = 0
    donors: int = 0
    month_totals: int = 0
    accounts: int = 0
    large_id: int = 0
    large_postings: int = 0
    staff_password: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def split_donations(total: int, rng: random.Random) -> list[int]:
    """Donations per community: the first (large) one gets 1/LARGE_SHARE, the rest vary around the mean."""
    large = total // LARGE_SHARE
    rest = total - large
    weights = [rng.uniform(0.3, 1.7) for _ in range(TENANTS - 1)]
    scale = rest / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for index in range(rest - sum(counts)):
        counts[index % len(counts)] += 1
    return [large, *counts]


def seed_structure(rng: random.Random, seeded: Seeded):
    """Tenants (a district, streets, 500 communities), funds with their accounts, one staff login (ORM)."""
    from sqlalchemy import select

    from app.accounts import services as accounts
    from app.extensions import db
    from app.funds.ledger import ensure_fund_accounts
    from app.funds.models import Fund, LedgerAccount
    from app.tenancy.models import KIND_COMMUNITY, KIND_DISTRICT, KIND_STREET, Tenant
    from app.tenancy.scoping import ALL_TENANTS, tenant_scope

    district = Tenant(slug="bench-district", name="基准测试区", kind=KIND_DISTRICT)
    db.session.add(district)
    db.session.flush()
    streets = [Tenant(slug=f"bench-street-{index:02d}", name=f"基准第{index + 1}街道", kind=KIND_STREET,
                      parent_id=district.id) for index in range(STREETS)]
    db.session.add_all(streets)
    db.session.flush()
    communities = []
    for index in range(TENANTS):
        slug = LARGE_SLUG if index == 0 else f"bench-c{index:03d}"
        name = "基准测试大社区" if index == 0 else f"基准第{index}社区"
        communities.append(Tenant(slug=slug, name=name, kind=KIND_COMMUNITY, parent_id=streets[index % STREETS].id,
                                  description="性能基准测试用的社区。", contact_person="王主任",
                                  phone="0631-0000000", address=f"基准路{index + 1}号"))
    db.session.add_all(communities)
    db.session.flush()
    funds: dict[int, list[Fund]] = {}
    for index, community in enumerate(communities):
        made = [Fund(tenant_id=community.id, key="charity", name="慈善基金", purposes=["扶贫", "济困", "扶老", "助残"],
                     is_default=True, accepts_restricted=True, position=0)]
        if index == 0 or rng.random() < 0.5:
            made.append(Fund(tenant_id=community.id, key="development", name="发展基金", purposes=["社区服务"],
                             is_default=False, accepts_restricted=False, position=1))
        db.session.add_all(made)
        funds[community.id] = made
    db.session.flush()
    for community in communities:
        with tenant_scope(db.session, community.id):
            for fund in funds[community.id]:
                ensure_fund_accounts(fund)
    large = communities[0]
    seeded.large_id = large.id
    seeded.staff_password = secrets.token_urlsafe(12)
    user = accounts.create_user(name="基准社工", password=seeded.staff_password, email=STAFF_EMAIL)
    with tenant_scope(db.session, large.id):
        accounts.add_membership(large, user, "staff", actor=None)
    rows = db.session.execute(select(LedgerAccount.id, LedgerAccount.fund_id, LedgerAccount.category,
                                     LedgerAccount.source).execution_options(**ALL_TENANTS)).all()
    account_ids = {(fund_id, category, source): account_id for account_id, fund_id, category, source in rows}
    seeded.accounts = len(rows)
    plan = [(community.id, [(fund.id, fund.key) for fund in funds[community.id]]) for community in communities]
    staff_id = user.id
    db.session.commit()
    db.session.remove()  # no transaction left open (on SQLite it would hold the write lock)
    return plan, account_ids, staff_id


def donor_name(rng: random.Random, donor_type: str, number: int) -> str:
    from app.funds.demo import person_name

    words = ORGANISATION_WORDS.get(donor_type)
    return person_name(rng) if words is None else f"基准{number}号{rng.choice(words)}"


class BulkWriter:
    """Buffers rows per table and writes them with Core ``insert(table)`` (executemany) in FK order."""

    ORDER = ("donors", "journal_entries", "donations", "postings")

    def __init__(self, connection, tables):
        self.connection = connection
        self.tables = tables
        self.rows: dict[str, list[dict]] = {name: [] for name in self.ORDER}

    def insert(self, name: str, rows: list[dict]) -> None:
        from sqlalchemy import insert

        if rows:
            self.connection.execute(insert(self.tables[name]), rows)

    def flush(self) -> None:
        for name in self.ORDER:
            self.insert(name, self.rows[name])
            self.rows[name] = []


def seed_ledger(app, postings_wanted: int, rng: random.Random) -> Seeded:
    """The whole data set; returns counts and timings."""
    from sqlalchemy import bindparam, func, select, text, update

    from app.core.timeutil import to_local, utcnow
    from app.extensions import db
    from app.funds.models import (
        CATEGORY_CASH,
        CATEGORY_INCOME,
        Donation,
        Donor,
        JournalEntry,
        LedgerAccount,
        LedgerMonthTotal,
        Posting,
    )
    from app.funds.services import RECEIPT_ALPHABET, RECEIPT_LENGTH
    from app.tenancy.numbering import TenantCounter

    seeded = Seeded()
    with app.app_context():
        started = time.perf_counter()
        plan, account_ids, staff_id = seed_structure(rng, seeded)
        seeded.timings["structure"] = time.perf_counter() - started

        started = time.perf_counter()
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        tables = {"donors": Donor.__table__, "journal_entries": JournalEntry.__table__,
                  "donations": Donation.__table__, "postings": Posting.__table__}
        now = utcnow()
        today = to_local(now, ZoneInfo("Asia/Shanghai")).date()
        counts = split_donations(postings_wanted // 2, rng)
        balances: dict[int, int] = {}
        months: dict[tuple[int, object], list[int]] = {}
        account_tenant: dict[int, int] = {}
        counters: list[dict] = []
        codes: set[str] = set()
        with engine.begin() as connection:
            donor_id = connection.scalar(select(func.coalesce(func.max(Donor.id), 0)))
            entry_id = connection.scalar(select(func.coalesce(func.max(JournalEntry.id), 0)))
            writer = BulkWriter(connection, tables)
            for (tenant_id, funds), count in zip(plan, counts, strict=True):
                if count == 0:
                    continue
                actor = staff_id if tenant_id == seeded.large_id else None
                donors = []
                for number in range(1, max(3, count // 8) + 1):
                    donor_id += 1
                    donor_type = rng.choices(DONOR_TYPES, DONOR_WEIGHTS)[0]
                    name = donor_name(rng, donor_type, number)
                    phone = f"13{rng.randrange(10**9):09d}" if rng.random() < 0.6 else ""
                    writer.rows["donors"].append({
                        "id": donor_id, "tenant_id": tenant_id, "number": number, "name": name,
                        "donor_type": donor_type, "phone": phone, "note": "",
                        "created_at": now - timedelta(days=DAYS, seconds=-number)})
                    donors.append((donor_id, name, donor_type))
                # Oldest first, so numbers grow with the date as when staff record gifts as they come.
                offsets = sorted((rng.randrange(DAYS + 1) for _ in range(count)), reverse=True)
                for number, offset in enumerate(offsets, 1):
                    day = today - timedelta(days=offset)
                    created_at = now - timedelta(days=offset, seconds=rng.randrange(36_000))
                    donor, name, donor_type = rng.choice(donors)
                    fund_id, _key = funds[0] if len(funds) == 1 or rng.random() < 0.7 else funds[1]
                    amount = min(5_000_000, max(100, int(rng.paretovariate(1.3) * 5_000) // 100 * 100))
                    channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
                    reference = "" if channel == "cash" else \
                        f"{'YH' if channel == 'bank_transfer' else 'GYPT'}{day:%Y%m%d}{tenant_id:04d}{number:07d}"
                    code = "".join(rng.choices(RECEIPT_ALPHABET, k=RECEIPT_LENGTH))
                    while code in codes:
                        code = "".join(rng.choices(RECEIPT_ALPHABET, k=RECEIPT_LENGTH))
                    codes.add(code)
                    entry_id += 1
                    writer.rows["journal_entries"].append({
                        "id": entry_id, "tenant_id": tenant_id, "number": number, "occurred_on": day,
                        "kind": "donation", "memo": f"捐赠 {name}", "reverses_id": None, "reason": "",
                        "idempotency_key": None, "created_by_id": actor, "created_at": created_at})
                    writer.rows["donations"].append({
                        "tenant_id": tenant_id, "number": number, "donor_id": donor, "channel": channel,
                        "reference": reference, "amount_fen": amount, "fund_id": fund_id, "restricted": False,
                        "anonymous": rng.random() < 0.08, "received_on": day, "note": "", "receipt_code": code,
                        "entry_id": entry_id, "reversal_entry_id": None, "idempotency_key": None,
                        "recorded_by_id": actor, "created_at": created_at})
                    month = day.replace(day=1)
                    cash = account_ids[(fund_id, CATEGORY_CASH, None)]
                    income = account_ids[(fund_id, CATEGORY_INCOME, f"donation_{donor_type}")]
                    for account, amount_fen in ((cash, amount), (income, -amount)):
                        writer.rows["postings"].append({"tenant_id": tenant_id, "entry_id": entry_id,
                                                        "account_id": account, "amount_fen": amount_fen})
                        balances[account] = balances.get(account, 0) + amount_fen
                        total = months.setdefault((account, month), [0, 0])
                        total[0 if amount_fen > 0 else 1] += abs(amount_fen)
                        account_tenant[account] = tenant_id
                    if len(writer.rows["postings"]) >= CHUNK:
                        writer.flush()
                seeded.donors += len(donors)
                seeded.donations += count
                seeded.entries += count
                seeded.postings += 2 * count
                if tenant_id == seeded.large_id:
                    seeded.large_postings = 2 * count
                counters += [{"tenant_id": tenant_id, "name": "donor", "value": len(donors)},
                             {"tenant_id": tenant_id, "name": "journal_entry", "value": count},
                             {"tenant_id": tenant_id, "name": "donation", "value": count}]
            writer.flush()
            seeded.timings["rows"] = time.perf_counter() - started

            started = time.perf_counter()
            month_rows = [{"tenant_id": account_tenant[account], "account_id": account, "month": month,
                           "debit_fen": debit, "credit_fen": credit}
                          for (account, month), (debit, credit) in months.items()]
            writer.tables["ledger_month_totals"] = LedgerMonthTotal.__table__
            writer.insert("ledger_month_totals", month_rows)
            seeded.month_totals = len(month_rows)
            accounts_table = LedgerAccount.__table__
            connection.execute(update(accounts_table).where(accounts_table.c.id == bindparam("account"))
                               .values(balance_fen=bindparam("balance")),
                               [{"account": account, "balance": balance} for account, balance in balances.items()])
            writer.tables["tenant_counters"] = TenantCounter.__table__
            writer.insert("tenant_counters", counters)
            if postgres:
                # Rows were given their ids (to link postings to entries): move the sequences past them.
                for table, last in (("donors", donor_id), ("journal_entries", entry_id)):
                    if last:
                        connection.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                                           {"table": table, "last": last})
            seeded.timings["totals"] = time.perf_counter() - started

        started = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
        seeded.timings["vacuum_analyze"] = time.perf_counter() - started
    return seeded


def verify_seed(app, tenant_id: int) -> tuple[float, list]:
    from app.extensions import db
    from app.funds.verify import verify

    with app.app_context():
        started = time.perf_counter()
        violations = verify(tenant_id)
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed, violations


# --- serving and measuring ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with 2 workers on loopback; always stopped by ``stop`` (called from a finally)."""

    def __init__(self, database_url: str, instance_path: Path, secret_key: str, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        environment = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secret_key,
                           LINLI_INSTANCE_PATH=str(instance_path))
        environment.pop("LINLI_ENV", None)
        with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "app:create_app()", "--workers", "2",
                 "--bind", f"{HOST}:{self.port}", "--timeout", "120", "--log-level", "warning"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f}s:\n{self.tail()}")

    def tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def cookies_from(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(port: int, login: str, password: str) -> str:
    """Sign in once through the real form (CSRF token included); returns the Cookie header to reuse."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    jar = cookies_from(response)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no csrf_token on /login")
    body = urlencode({"csrf_token": token.group(1), "login": login, "password": password})
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{name}={value}" for name, value in jar.items())})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 302:
        raise RuntimeError(f"sign-in failed with {response.status}")
    jar.update(cookies_from(response))
    return "; ".join(f"{name}={value}" for name, value in jar.items())


@dataclass
class Result:
    p50_ms: float
    p95_ms: float
    rps: float
    bytes: int
    app_cpu_ms: float | None = None
    db_cpu_ms: float | None = None


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of processes, from /proc (None where there is no /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def is_local(url: str) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(url).host in (None, "127.0.0.1", "localhost", "::1")


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving the app's connections (local server only)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")))
    finally:
        engine.dispose()


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    index = max(0, min(len(sorted_values) - 1, int(round(share * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def hammer(port: int, path: str, requests: int, headers: dict[str, str], expect: str | None,
           concurrency: int, app_pids: list[int] | None = None, db_pids: list[int] | None = None) -> Result:
    """``requests`` GETs of ``path`` from ``concurrency`` threads (each one keep-alive connection; gunicorn's
    sync workers answer ``Connection: close``, and http.client then reconnects by itself)."""
    tickets = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    sizes: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        mine: list[float] = []
        try:
            while next(tickets) < requests:
                began = time.perf_counter()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                mine.append(time.perf_counter() - began)
                if response.status != 200 or (expect is not None and expect.encode() not in body):
                    failures.append(f"{path}: HTTP {response.status}")
                sizes.append(len(body))
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"{path}: {error!r}")
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    app_pids, db_pids = app_pids or [], db_pids or []
    app_cpu, db_cpu = cpu_seconds(app_pids), cpu_seconds(db_pids)
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} failed requests, first: {failures[0]}")
    latencies.sort()
    result = Result(percentile(latencies, 0.50) * 1000, percentile(latencies, 0.95) * 1000, len(latencies) / elapsed,
                    max(sizes))
    app_after, db_after = cpu_seconds(app_pids), cpu_seconds(db_pids)
    if app_pids and app_cpu is not None and app_after is not None:
        result.app_cpu_ms = (app_after - app_cpu) * 1000 / len(latencies)
    if db_pids and db_cpu is not None and db_after is not None:
        result.db_cpu_ms = (db_after - db_cpu) * 1000 / len(latencies)
    return result


# --- the run ------------------------------------------------------------------------------

@dataclass
class Row:
    size: str
    page: str
    result: Result
    ratio: float


def run_size(postings: int, args, scratch: Path, rows: list[Row]) -> None:
    label = label_of(postings)
    secret_key = secrets.token_hex(32)
    instance_path = scratch / f"instance-{label}"
    instance_path.mkdir(parents=True, exist_ok=True)
    if args.sqlite:
        url = f"sqlite:///{scratch / f'linli-bench-{label}.db'}"
    else:
        url = create_postgres_database(args.database_url, label)
    server = None
    try:
        print(f"\n== {label}: {url.rsplit('/', 1)[-1]}", flush=True)
        from flask_migrate import upgrade

        from app.extensions import db

        app = make_app(url, instance_path, secret_key)
        started = time.perf_counter()
        with app.app_context():
            upgrade()
        migrate_seconds = time.perf_counter() - started
        started = time.perf_counter()
        seeded = seed_ledger(app, postings, random.Random(f"linli-bench-{label}"))
        seed_seconds = time.perf_counter() - started
        print(f"   migrate {migrate_seconds:.1f}s; seed {seed_seconds:.1f}s "
              f"(structure {seeded.timings['structure']:.1f}s, rows {seeded.timings['rows']:.1f}s, "
              f"balances+month totals+counters {seeded.timings['totals']:.1f}s, "
              f"{'vacuum analyze' if not args.sqlite else 'analyze'} {seeded.timings['vacuum_analyze']:.1f}s)")
        print(f"   {seeded.postings:,} postings, {seeded.entries:,} entries, {seeded.donations:,} donations, "
              f"{seeded.donors:,} donors, {seeded.accounts:,} accounts, {seeded.month_totals:,} month totals; "
              f"large tenant: {seeded.large_postings:,} postings")
        verify_seconds, violations = verify_seed(app, seeded.large_id)
        print(f"   ledger verify (large tenant) {verify_seconds:.2f}s: "
              f"{'OK' if not violations else f'{len(violations)} violations'}", flush=True)
        with app.app_context():
            db.engine.dispose()
        if violations:
            for violation in violations[:10]:
                print(f"     {violation}")
            raise RuntimeError("the seeded ledger does not verify")

        variants = [("", url)]
        if args.custom_plans and not args.sqlite:
            variants.append(("*", url + "?" + urlencode({"options": "-c plan_cache_mode=force_custom_plan"})))
        for marker, server_url in variants:
            server = Server(server_url, instance_path, secret_key, scratch / f"gunicorn-{label}.log")
            server.wait_ready()
            measure(server, None if args.sqlite else url, label + marker, seeded.staff_password, args, rows)
            server.stop()
            server = None
    finally:
        if server is not None:
            server.stop()
        if not args.sqlite:
            drop_postgres_database(url)


def measure(server: Server, database_url: str | None, label: str, staff_password: str, args,
            rows: list[Row]) -> None:
    port = server.port
    cookie = log_in(port, STAFF_EMAIL, staff_password)
    pages = [("/healthz", {}, None),
             (f"/c/{LARGE_SLUG}/funds/", {"Cookie": cookie}, "fund-tile"),
             (f"/c/{LARGE_SLUG}/public/", {}, None)]
    baseline = None
    print(f"   [{label}] load average before timing: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    for path, headers, expect in pages:
        if args.warmup > 0:
            hammer(port, path, args.warmup, headers, expect, args.concurrency)
        # CPU time per request of the gunicorn workers and of their PostgreSQL backends: unlike
        # latencies, it hardly moves when other programs compete for the machine's cores.
        app_pids = children_of(server.process.pid)
        db_pids = backend_pids(database_url) if database_url and is_local(database_url) else []
        result = hammer(port, path, args.requests, headers, expect, args.concurrency, app_pids, db_pids)
        baseline = baseline or result.rps
        rows.append(Row(label, path, result, result.rps / baseline))
        print(f"   {path:<28} p50 {result.p50_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms  "
              f"{result.rps:7.1f} req/s  app cpu {cpu_text(result.app_cpu_ms)} ms  db cpu {cpu_text(result.db_cpu_ms)} ms"
              f"  ({result.bytes:,} bytes)", flush=True)


def cpu_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_report(rows: list[Row], args) -> None:
    print(f"\n{'size':<7} {'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'vs /healthz':>12}"
          f" {'app cpu ms':>11} {'db cpu ms':>10}")
    for row in rows:
        print(f"{row.size:<7} {row.page:<28} {row.result.p50_ms:8.1f} {row.result.p95_ms:8.1f} "
              f"{row.result.rps:8.1f} {row.ratio:12.2f} {cpu_text(row.result.app_cpu_ms):>11} "
              f"{cpu_text(row.result.db_cpu_ms):>10}")
    if any(row.size.endswith("*") for row in rows):
        print("* the same data, app connections with plan_cache_mode=force_custom_plan")
    print("app cpu / db cpu: CPU time per request of the gunicorn workers / of their PostgreSQL backends"
          + (" (SQLite runs inside the workers)" if args.sqlite else ""))
    by_key = {(row.size, row.page): row.result for row in rows}
    for starred in (False, True):
        sizes = list(dict.fromkeys(row.size for row in rows if row.size.endswith("*") == starred))
        if not sizes:
            continue
        smallest, largest = sizes[0], sizes[-1]
        print(f"\nGoals (at {largest}: p95 < {GOAL_P95_MS:.0f} ms; {largest} vs {smallest}: "
              f"no more than {GOAL_SLOWDOWN}x slower, judged on p50):")
        for page in dict.fromkeys(row.page for row in rows):
            if page == "/healthz" or (largest, page) not in by_key or (smallest, page) not in by_key:
                continue
            big, small = by_key[(largest, page)], by_key[(smallest, page)]
            slowdown, slowdown95 = big.p50_ms / small.p50_ms, big.p95_ms / small.p95_ms
            fast = "ok" if big.p95_ms < GOAL_P95_MS else "MISSED"
            flat = "ok" if slowdown <= GOAL_SLOWDOWN else "MISSED"
            print(f"  {page:<28} p95 {big.p95_ms:7.1f} ms {fast:<7} slowdown p50 {slowdown:5.2f}x "
                  f"(p95 {slowdown95:5.2f}x) {flat}")
    print(f"({args.requests} requests per page after {args.warmup} warm-up, {args.concurrency} client threads, "
          f"gunicorn 2 sync workers, {'SQLite' if args.sqlite else 'PostgreSQL'}; the client shares the "
          f"machine's {os.cpu_count()} cores with the server and the database)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="postings per data set, e.g. 10k,100k,1m")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page (default 300)")
    parser.add_argument("--warmup", type=int, default=40, help="untimed requests per page first (default 40)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER),
                        help="PostgreSQL server on which scratch databases linli_bench_* are made and dropped "
                             f"(default {DEFAULT_SERVER})")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="client threads (default 4)")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL")
    parser.add_argument("--custom-plans", action="store_true",
                        help="measure again with plan_cache_mode=force_custom_plan on the app's connections "
                             "(rows marked *): shows what generic plans of prepared statements cost")
    args = parser.parse_args(argv)
    sizes = [parse_size(size) for size in args.sizes.split(",") if size.strip()]

    def interrupted(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    scratch = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    rows: list[Row] = []
    began = time.perf_counter()
    try:
        for size in sizes:
            run_size(size, args, scratch, rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        print_report(rows, args)
        print(f"\nTotal {time.perf_counter() - began:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
