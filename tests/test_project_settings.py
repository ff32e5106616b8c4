"""The ``[needs]``, ``[council]`` and ``[projects]`` sections of tenant TOML files, through the real sync."""

import tomllib
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.council.tenant_section import council_rules
from app.extensions import db
from app.needs.tenant_section import DEFAULT_CATEGORIES, need_categories
from app.projects.tenant_section import notice_days
from app.tenancy.models import Tenant
from app.tenancy.scoping import all_tenants

TENANT = {"slug": "yucai", "name": "育才社区", "kind": "district"}
COUNCIL = {"members": 9, "quorum": 6, "majority": "two_thirds", "review_days": 14}
PROJECTS = {"notice_days": 10, "fundraising_days": 3}
NEEDS = {"categories": ["环境卫生", "道路设施", "养老助老", "儿童关爱"]}
DEFAULT_COUNCIL = {"members": 7, "quorum": 5, "majority": "simple", "review_days": 7}


def write(path: Path, document: dict) -> Path:
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def sync(app, *paths):
    return invoke(app, "tenants", "sync", *paths)


def assert_exit(result, code: int) -> None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def settings_of(app, slug: str = "yucai") -> dict | None:
    """(settings, council rules, notice days, need categories) as the app reads them."""
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            return None
        return {"settings": dict(tenant.settings or {}), "council": council_rules(tenant),
                "notice_days": notice_days(tenant), "categories": need_categories(tenant)}


def synced_entries(app) -> list[AuditEntry]:
    with app.app_context(), all_tenants(db.session):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tenant.synced")
                                     .order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return entries


# --- valid files ----------------------------------------------------------------------------

def test_valid_sections_are_applied(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "needs": NEEDS, "council": COUNCIL,
                                           "projects": PROJECTS})

    result = sync(app, path)

    assert_exit(result, 0)
    assert result.stdout.splitlines() == ["created   yucai"]
    found = settings_of(app)
    assert found["settings"]["council"] == COUNCIL
    assert found["settings"]["projects"] == PROJECTS
    assert found["settings"]["needs"] == NEEDS
    assert found["council"] == COUNCIL
    assert found["notice_days"] == 10
    assert found["categories"] == NEEDS["categories"]


def test_the_written_example_of_each_section_is_valid(app, tmp_path):
    text = """
[tenant]
slug = "yucai"
name = "育才社区"
kind = "district"

[needs]
categories = ["环境卫生", "道路设施", "养老助老", "儿童关爱", "便民服务"]

[council]
members = 7           # seats on the council
quorum = 5            # votes (abstentions count) needed for a decision
majority = "simple"
review_days = 7

[projects]
notice_days = 7
"""
    result = sync(app, write_text(tmp_path / "yucai.toml", text))

    assert_exit(result, 0)
    found = settings_of(app)
    assert found["council"] == DEFAULT_COUNCIL
    assert found["categories"] == ["环境卫生", "道路设施", "养老助老", "儿童关爱", "便民服务"]


def test_boundaries_are_accepted(app, tmp_path):
    council = {"members": 99, "quorum": 99, "majority": "simple", "review_days": 90}
    categories = [f"类别{index}" for index in range(30)]
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "council": council, "projects": {"notice_days": 60},
                                           "needs": {"categories": categories[:29] + ["长" * 40]}})

    assert_exit(sync(app, path), 0)

    found = settings_of(app)
    assert found["council"] == council
    assert found["notice_days"] == 60
    assert found["categories"][-1] == "长" * 40 and len(found["categories"]) == 30


def test_keys_left_out_take_their_defaults(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "council": {"quorum": 3}, "projects": {},
                                           "needs": {}})

    assert_exit(sync(app, path), 0)

    found = settings_of(app)
    assert found["settings"]["council"] == DEFAULT_COUNCIL | {"quorum": 3}
    assert found["settings"]["projects"] == {"notice_days": 7, "fundraising_days": 30}
    assert found["settings"]["needs"] == {"categories": DEFAULT_CATEGORIES}
    assert found["council"] == DEFAULT_COUNCIL | {"quorum": 3}


def test_defaults_when_the_sections_are_absent(app, tmp_path):
    assert_exit(sync(app, write(tmp_path / "yucai.toml", {"tenant": TENANT})), 0)

    found = settings_of(app)
    assert {"needs", "council", "projects"}.isdisjoint(found["settings"])
    assert found["council"] == DEFAULT_COUNCIL
    assert found["notice_days"] == 7
    assert found["categories"] == DEFAULT_CATEGORIES
    assert DEFAULT_CATEGORIES == ["环境卫生", "道路设施", "养老助老", "儿童关爱", "便民服务", "文体活动", "其他"]
    exported = tomllib.loads(invoke(app, "tenants", "export", "yucai").stdout)
    assert {"needs", "council", "projects"}.isdisjoint(exported)


def test_defaults_fill_in_a_partial_stored_setting(app, factory):
    tenant = factory.tenant(name="老社区")
    with app.app_context():
        row = db.session.get(Tenant, tenant.id)
        row.settings = {"council": {"quorum": 4}}

        assert council_rules(row) == DEFAULT_COUNCIL | {"quorum": 4}
        assert notice_days(row) == 7
        assert need_categories(row) == DEFAULT_CATEGORIES
        need_categories(row).append("改不动")
        assert need_categories(row) == DEFAULT_CATEGORIES  # a copy, not the shared default


# --- problems -------------------------------------------------------------------------------

LIST_MESSAGE = "must be a list of 1 to 30 names of at most 40 characters"
PROBLEMS = {
    "quorum above members": ({"council": {"members": 5, "quorum": 6}},
                             ["council.quorum: cannot be more than the 5 members"]),
    "default quorum above members": ({"council": {"members": 3}},
                                     ["council.quorum: cannot be more than the 3 members"]),
    "majority unknown": ({"council": {"majority": "unanimous"}},
                         ["council.majority: must be one of simple, two_thirds"]),
    "majority not text": ({"council": {"majority": 2}}, ["council.majority: must be one of simple, two_thirds"]),
    "review days zero": ({"council": {"review_days": 0}},
                         ["council.review_days: must be a whole number from 1 to 90"]),
    "review days too many": ({"council": {"review_days": 91}},
                             ["council.review_days: must be a whole number from 1 to 90"]),
    "members zero": ({"council": {"members": 0, "quorum": 1}},
                     ["council.members: must be a whole number from 1 to 99"]),
    "quorum zero": ({"council": {"quorum": 0}}, ["council.quorum: must be a whole number from 1 to 99"]),
    "quorum as text": ({"council": {"quorum": "5"}}, ["council.quorum: must be a whole number from 1 to 99"]),
    "quorum as a fraction": ({"council": {"quorum": 4.5}},
                             ["council.quorum: must be a whole number from 1 to 99"]),
    "quorum as a boolean": ({"council": {"quorum": True}},
                            ["council.quorum: must be a whole number from 1 to 99"]),
    "council unknown key": ({"council": {"chair": "王主任"}}, ["council.chair: unknown key"]),
    "council not a table": ({"council": 7}, ["council: must be a table"]),
    "notice days zero": ({"projects": {"notice_days": 0}},
                         ["projects.notice_days: must be a whole number from 1 to 60"]),
    "notice days too many": ({"projects": {"notice_days": 61}},
                             ["projects.notice_days: must be a whole number from 1 to 60"]),
    "projects unknown key": ({"projects": {"crowdfunding_days": 3}}, ["projects.crowdfunding_days: unknown key"]),
    "projects not a table": ({"projects": "7"}, ["projects: must be a table"]),
    "categories empty": ({"needs": {"categories": []}}, [f"needs.categories: {LIST_MESSAGE}"]),
    "categories duplicated": ({"needs": {"categories": ["环境卫生", "道路设施", "环境卫生"]}},
                              ["needs.categories: lists a name twice"]),
    "categories duplicated with spaces": ({"needs": {"categories": ["环境卫生", " 环境卫生 "]}},
                                          ["needs.categories: lists a name twice"]),
    "categories not a list": ({"needs": {"categories": "环境卫生"}}, [f"needs.categories: {LIST_MESSAGE}"]),
    "category not text": ({"needs": {"categories": ["环境卫生", 3]}}, [f"needs.categories: {LIST_MESSAGE}"]),
    "category blank": ({"needs": {"categories": ["环境卫生", "  "]}}, [f"needs.categories: {LIST_MESSAGE}"]),
    "category too long": ({"needs": {"categories": ["长" * 41]}}, [f"needs.categories: {LIST_MESSAGE}"]),
    "too many categories": ({"needs": {"categories": [f"类别{index}" for index in range(31)]}},
                            [f"needs.categories: {LIST_MESSAGE}"]),
    "needs unknown key": ({"needs": {"icons": ["🚧"]}}, ["needs.icons: unknown key"]),
    "needs not a table": ({"needs": ["环境卫生"]}, ["needs: must be a table"]),
}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_problem_is_reported_with_file_and_key_and_nothing_is_applied(app, tmp_path, case):
    sections, expected = PROBLEMS[case]
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT} | sections)

    result = sync(app, path)

    assert_exit(result, 1)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{path}: {line}" for line in expected] + [
        f"Nothing applied: {len(expected)} problem(s)."]
    assert settings_of(app) is None


def test_every_problem_of_a_file_is_listed(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {
        "tenant": TENANT,
        "council": {"members": 5, "quorum": 6, "majority": "most", "review_days": 0, "secretary": "李"},
        "projects": {"notice_days": 0},
        "needs": {"categories": ["道路设施", "道路设施"]},
    })

    result = sync(app, path)

    assert_exit(result, 1)
    assert sorted(result.stderr.splitlines()) == sorted([
        f"{path}: council.majority: must be one of simple, two_thirds",
        f"{path}: council.review_days: must be a whole number from 1 to 90",
        f"{path}: council.secretary: unknown key",
        f"{path}: council.quorum: cannot be more than the 5 members",
        f"{path}: projects.notice_days: must be a whole number from 1 to 60",
        f"{path}: needs.categories: lists a name twice",
        "Nothing applied: 6 problem(s).",
    ])


@pytest.mark.parametrize(("council", "expected"), [
    ({"members": 3, "quorum": "五"}, "council.quorum: must be a whole number from 1 to 99"),
    ({"members": "七", "quorum": 8}, "council.members: must be a whole number from 1 to 99"),
], ids=["bad-quorum", "bad-members"])
def test_one_mistake_gives_one_message(app, tmp_path, council, expected):
    """Bug: after a bad value, the cross check compares the *default* in its place and reports
    "council.quorum: cannot be more than the N members" about a number nobody wrote."""
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "council": council})

    result = sync(app, path)

    assert_exit(result, 1)
    assert result.stderr.splitlines() == [f"{path}: {expected}", "Nothing applied: 1 problem(s)."]


def test_a_bad_section_keeps_the_existing_settings(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "council": COUNCIL, "projects": PROJECTS})
    assert_exit(sync(app, path), 0)
    before = settings_of(app)

    write(path, {"tenant": TENANT, "council": COUNCIL | {"quorum": 3}, "projects": {"notice_days": 0}})
    result = sync(app, path)

    assert_exit(result, 1)
    assert settings_of(app) == before


# --- updates and export ---------------------------------------------------------------------

def test_changed_section_is_reported_and_audited(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "council": COUNCIL, "projects": PROJECTS,
                                           "needs": NEEDS})
    assert_exit(sync(app, path), 0)

    write(path, {"tenant": TENANT, "council": COUNCIL | {"majority": "simple"}, "projects": {"notice_days": 5},
                 "needs": NEEDS})
    result = sync(app, path)

    assert_exit(result, 0)
    assert result.stdout.splitlines() == ["updated   yucai: council, projects"]
    found = settings_of(app)
    assert found["council"]["majority"] == "simple" and found["notice_days"] == 5
    [entry] = synced_entries(app)
    assert entry.after == {"sections": ["council", "projects"]}

    again = sync(app, path)
    assert again.stdout.splitlines() == ["unchanged yucai"]


def test_export_round_trip(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "council": {"quorum": 3, "majority": "two_thirds"},
                                           "projects": PROJECTS, "needs": NEEDS})
    assert_exit(sync(app, path), 0)

    result = invoke(app, "tenants", "export", "yucai")

    assert_exit(result, 0)
    document = tomllib.loads(result.stdout)
    assert document["council"] == DEFAULT_COUNCIL | {"quorum": 3, "majority": "two_thirds"}
    assert document["projects"] == PROJECTS
    assert document["needs"] == NEEDS
    audit_count = len(synced_entries(app))

    exported = tmp_path / "exported"
    exported.mkdir()
    again = sync(app, write_text(exported / "yucai.toml", result.stdout))

    assert_exit(again, 0)
    assert again.stdout.splitlines() == ["unchanged yucai"]
    assert len(synced_entries(app)) == audit_count
    assert settings_of(app)["council"] == document["council"]


def test_demo_tenants_keep_valid_settings(app):
    assert_exit(invoke(app, "tenants", "sync"), 0)

    with app.app_context():
        for tenant in db.session.scalars(select(Tenant)):
            rules = council_rules(tenant)
            assert 1 <= rules["quorum"] <= rules["members"], tenant.slug
            assert rules["majority"] in ("simple", "two_thirds")
            assert 1 <= notice_days(tenant) <= 60
            categories = need_categories(tenant)
            assert categories and len(set(categories)) == len(categories)
