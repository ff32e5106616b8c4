"""Needs benchmark: the staff triage list at 邹城's size (prints numbers, not a test).

Makes a scratch database (SQLite always; PostgreSQL too when the server at
``TEST_DATABASE_URL`` answers), migrates it, bulk-loads 7,500 needs into one community and
500 into another, then times what ``GET /c/<slug>/needs/`` runs for page 1 — the page of
50 rows with its count (``paginate``) and the status tabs (``counts_by_status``) — for a
handful of filter combinations, plus the whole htmx fragment through the app. Prints the
median and the slowest of ``--runs`` runs after one warm-up.

    .venv/bin/python bench/needs.py
    .venv/bin/python bench/needs.py --runs 50 --sqlite-only

See bench/README.md.
"""

import argparse
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
LARGE_SLUG, SMALL_SLUG = "bench-needs-large", "bench-needs-small"
LARGE_NEEDS, SMALL_NEEDS = 7_500, 500
DAYS = 365
CATEGORIES = ["环境卫生", "道路设施", "养老助老", "儿童关爱", "便民服务", "文体活动", "其他"]
CATEGORY_WEIGHTS = (25, 25, 15, 10, 15, 5, 5)
STATUSES = ("new", "accepted", "declined", "merged")
STATUS_WEIGHTS = (55, 25, 12, 8)
# (text, category): what residents of 邹城 wrote, roughly; a tenth of them mention street lights (路灯).
DESCRIPTIONS = [
    ("{building}东侧路灯坏了，晚上出行不便", "道路设施"),
    ("小区北门路灯一直不亮，希望尽快维修", "道路设施"),
    ("{building}门前路面坑洼，雨天积水严重", "道路设施"),
    ("楼道堆放杂物，存在消防隐患", "环境卫生"),
    ("垃圾桶不够用，夏天气味很大", "环境卫生"),
    ("独居老人需要每周上门探访", "养老助老"),
    ("希望社区食堂增加老年助餐", "养老助老"),
    ("放学后孩子无人看管，希望开设四点半课堂", "儿童关爱"),
    ("希望在{building}附近增设快递柜", "便民服务"),
    ("广场舞音响声音太大，影响休息", "文体活动"),
    ("希望修建一个小型篮球场", "文体活动"),
    ("电动车充电桩数量不足", "便民服务"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "秀英桂英玉兰建华建国志强海燕丽娟军红梅明德"
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Case:
    label: str
    query: dict[str, str]


CASES = [
    Case("no filter", {}),
    Case("status=new", {"status": "new"}),
    Case('keyword "路灯"', {"q": "路灯"}),
    Case("category+building", {"category": "道路设施", "building": "3号楼"}),
    Case("sort=support", {"sort": "support"}),
]


def postgres_reachable(url: str) -> str | None:
    """None when a connection works, else why not."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from app.config import normalise_database_url

    engine = create_engine(normalise_database_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except SQLAlchemyError as error:
        return str(error).splitlines()[0]
    finally:
        engine.dispose()


def create_postgres_database(server_url: str) -> str:
    from sqlalchemy import create_engine, text

    from app.config import normalise_database_url

    base = normalise_database_url(server_url)
    name = f"linli_bench_needs_{uuid.uuid4().hex[:10]}"
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


def make_app(url: str, instance_path: Path):
    from app import create_app
    from app.config import Config

    class BenchConfig(Config):
        WTF_CSRF_ENABLED = False  # the in-process client signs in without fetching a token first

        def __init__(self) -> None:
            self.SECRET_KEY = secrets.token_hex(32)
            self.SQLALCHEMY_DATABASE_URI = url
            self.INSTANCE_PATH = instance_path
            self.UPLOAD_FOLDER = instance_path / "uploads"

    return create_app(BenchConfig())


# --- seeding ----------------------------------------------------------------------------

def need_rows(tenant_id: int, count: int, first_id: int, rng: random.Random, codes: set[str], now) -> list[dict]:
    """``count`` needs of one tenant, oldest first (numbers grow with the date), ids from ``first_id``."""
    offsets = sorted((rng.random() * DAYS for _ in range(count)), reverse=True)
    rows = []
    for number, offset in enumerate(offsets, 1):
        template, category = rng.choice(DESCRIPTIONS) if rng.random() < 0.6 else (
            "{building}" + rng.choice(["需要", "希望", "反映"]) + "：" + "".join(rng.choices(GIVEN, k=12)),
            rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0])
        building = f"{rng.randint(1, 40)}号楼"
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0] if offset > 3 else "new"
        code = "".join(rng.choices(CODE_ALPHABET, k=10))
        while code in codes:
            code = "".join(rng.choices(CODE_ALPHABET, k=10))
        codes.add(code)
        submitted = now - timedelta(days=offset)
        rows.append({
            "id": first_id + number - 1, "tenant_id": tenant_id, "number": number, "status_code": code,
            "category": category, "description": template.format(building=building), "building": building,
            "location": rng.choice(["", "东侧", "北门", "地下车库", "小广场"]),
            "contact_name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2)),
            "contact_phone": f"13{rng.randrange(10**9):09d}", "photo_key": None,
            "source": "public" if rng.random() < 0.8 else "counter", "status": status,
            "status_reason": "不属于社区职责范围" if status == "declined" else "",
            "support_count": int(rng.paretovariate(1.6)) - 1, "merged_into_id": None, "project_id": None,
            "entered_by_id": None, "submitted_at": submitted, "updated_at": submitted,
        })
    for index, row in enumerate(rows):
        if row["status"] == "merged":  # into an older need, so it is inserted first
            if index == 0:
                row["status"] = "new"
            else:
                row["merged_into_id"] = rng.choice(rows[:index])["id"]
    return rows


def seed(app, rng: random.Random) -> tuple[int, str]:
    """Two communities and their needs; returns the large one's id and a staff login's password."""
    from sqlalchemy import func, insert, select, text

    from app.accounts import services as accounts
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.needs.models import Need
    from app.tenancy.models import KIND_COMMUNITY, Tenant
    from app.tenancy.numbering import TenantCounter
    from app.tenancy.scoping import tenant_scope

    with app.app_context():
        settings = {"needs": {"categories": CATEGORIES}}
        large = Tenant(slug=LARGE_SLUG, name="铁西社区（基准）", kind=KIND_COMMUNITY, settings=settings)
        small = Tenant(slug=SMALL_SLUG, name="邻近社区（基准）", kind=KIND_COMMUNITY, settings=settings)
        db.session.add_all([large, small])
        db.session.flush()
        password = secrets.token_urlsafe(12)
        staff = accounts.create_user(name="基准社工", password=password, email="bench-needs@example.cn")
        with tenant_scope(db.session, large.id):
            accounts.add_membership(large, staff, "staff", actor=None)
        db.session.commit()
        large_id, small_id = large.id, small.id
        db.session.remove()

        engine = db.engine
        now = utcnow()
        codes: set[str] = set()
        with engine.begin() as connection:
            first = (connection.scalar(select(func.coalesce(func.max(Need.id), 0))) or 0) + 1
            rows = need_rows(large_id, LARGE_NEEDS, first, rng, codes, now)
            rows += need_rows(small_id, SMALL_NEEDS, first + LARGE_NEEDS, rng, codes, now)
            rows.sort(key=lambda row: row["submitted_at"])  # inserted as they would have come in
            for start in range(0, len(rows), 2_000):
                connection.execute(insert(Need.__table__), rows[start:start + 2_000])
            connection.execute(insert(TenantCounter.__table__), [
                {"tenant_id": large_id, "name": "need", "value": LARGE_NEEDS},
                {"tenant_id": small_id, "name": "need", "value": SMALL_NEEDS}])
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT setval(pg_get_serial_sequence('needs', 'id'), :last)"),
                                   {"last": first + len(rows) - 1})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    return large_id, password


# --- measuring ----------------------------------------------------------------------------

@dataclass
class Timing:
    matched: int
    query_ms: float
    query_max_ms: float
    page_ms: float
    page_max_ms: float


def time_query(app, tenant_id: int, case: Case, runs: int) -> tuple[int, list[float]]:
    """What the list view asks the database for page 1: rows + count (paginate) and the status tabs."""
    from app.core.pagination import paginate
    from app.extensions import db
    from app.needs import services
    from app.needs.services import NeedFilters
    from app.needs.views import TRIAGE_PAGE_SIZE
    from app.tenancy.models import Tenant
    from app.tenancy.scoping import tenant_scope
    from app.tenancy.services import tenant_zone

    query = case.query
    filters = NeedFilters(status=query.get("status", ""), category=query.get("category", ""),
                          building=query.get("building", ""), search=query.get("q", ""),
                          sort=query.get("sort", "newest"))
    samples = []
    matched = 0
    with app.app_context(), tenant_scope(db.session, tenant_id):
        zone = tenant_zone(db.session.get(Tenant, tenant_id))
        for run in range(runs + 1):
            started = time.perf_counter()
            page = paginate(services.needs_query(filters, zone), 1, TRIAGE_PAGE_SIZE)
            services.counts_by_status(filters, zone)
            elapsed = time.perf_counter() - started
            db.session.rollback()  # no identity map carried over: every run loads its rows
            matched = page.total
            if run:  # the first run warms caches
                samples.append(elapsed * 1000)
    return matched, samples


def time_page(client, case: Case, runs: int) -> list[float]:
    """The whole htmx fragment (view, queries, template) through the app, in process."""
    samples = []
    for run in range(runs + 1):
        started = time.perf_counter()
        response = client.get(f"/c/{LARGE_SLUG}/needs/", query_string=case.query, headers={"HX-Request": "true"})
        body = response.get_data()
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or b'id="need-list"' not in body:
            raise RuntimeError(f"{case.label}: HTTP {response.status_code}")
        if run:
            samples.append(elapsed * 1000)
    return samples


def measure(url: str, label: str, runs: int, scratch: Path) -> list[tuple[str, Case, Timing]]:
    from flask_migrate import upgrade

    from app.extensions import db

    instance_path = scratch / f"instance-{label}"
    instance_path.mkdir(parents=True, exist_ok=True)
    app = make_app(url, instance_path)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
    migrated = time.perf_counter() - started
    started = time.perf_counter()
    large_id, password = seed(app, random.Random("linli-bench-needs"))
    print(f"\n== {label}: migrate {migrated:.1f}s, seed {time.perf_counter() - started:.1f}s "
          f"({LARGE_NEEDS:,} + {SMALL_NEEDS:,} needs)", flush=True)
    client = app.test_client()
    response = client.post("/login", data={"login": "bench-needs@example.cn", "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed with {response.status_code}")
    results = []
    try:
        for case in CASES:
            matched, query_samples = time_query(app, large_id, case, runs)
            page_samples = time_page(client, case, runs)
            timing = Timing(matched, statistics.median(query_samples), max(query_samples),
                            statistics.median(page_samples), max(page_samples))
            results.append((label, case, timing))
            print(f"   {case.label:<20} {matched:>6,} rows  queries p50 {timing.query_ms:6.1f} ms "
                  f"(max {timing.query_max_ms:6.1f})  fragment p50 {timing.page_ms:6.1f} ms "
                  f"(max {timing.page_max_ms:6.1f})", flush=True)
    finally:
        with app.app_context():
            db.engine.dispose()
    return results


def print_report(results, runs: int) -> None:
    print(f"\n{'database':<11} {'case':<20} {'matches':>8} {'queries p50':>12} {'max':>8} "
          f"{'fragment p50':>13} {'max':>8}")
    for label, case, timing in results:
        print(f"{label:<11} {case.label:<20} {timing.matched:>8,} {timing.query_ms:>9.1f} ms {timing.query_max_ms:>5.1f} ms"
              f" {timing.page_ms:>10.1f} ms {timing.page_max_ms:>5.1f} ms")
    print(f"(median and slowest of {runs} runs after one warm-up; queries = page 1 of 50 rows with its count and "
          f"the status tabs, in {LARGE_SLUG} with {LARGE_NEEDS:,} needs while {SMALL_SLUG} holds {SMALL_NEEDS:,}; "
          f"fragment = GET /needs/ as htmx, in process; {os.cpu_count()} cores)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="timed runs per case (default 25)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER),
                        help="PostgreSQL server on which a scratch database linli_bench_needs_* is made and "
                             f"dropped (default: TEST_DATABASE_URL or {DEFAULT_SERVER})")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="linli-bench-needs-"))
    results = []
    began = time.perf_counter()
    try:
        results += measure(f"sqlite:///{scratch / 'needs.db'}", "SQLite", args.runs, scratch)
        problem = None if args.sqlite_only else postgres_reachable(args.database_url)
        if args.sqlite_only:
            print("\n== PostgreSQL: skipped (--sqlite-only)")
        elif problem:
            print(f"\n== PostgreSQL: skipped, {args.database_url} is not reachable: {problem}")
        else:
            url = create_postgres_database(args.database_url)
            try:
                results += measure(url, "PostgreSQL", args.runs, scratch)
            finally:
                drop_postgres_database(url)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        print_report(results, args.runs)
        print(f"\nTotal {time.perf_counter() - began:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
