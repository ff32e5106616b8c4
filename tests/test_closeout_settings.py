"""The ``[closeout]`` section of tenant TOML files, through the real sync and export."""

import tomllib

import pytest

from app.closeout.tenant_section import criteria, leftover_rule
from app.extensions import db
from app.tenancy.models import Tenant
from tests.test_project_settings import (
    TENANT,
    assert_exit,
    invoke,
    settings_of,
    sync,
    write,
    write_text,
)

CRITERIA = [{"key": "residents", "name": "居民满意度测评", "weight": 50},
            {"key": "staff", "name": "社区评分", "weight": 20},
            {"key": "council", "name": "议事会评分", "weight": 30}]


def rules_of(app, slug: str = "yucai") -> tuple[str, list[dict]]:
    with app.app_context():
        tenant = db.session.scalar(db.select(Tenant).where(Tenant.slug == slug))
        return leftover_rule(tenant), criteria(tenant)


def test_the_section_is_applied_and_exported_back(app, tmp_path):
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "closeout": {"leftover": "project",
                                                                          "criteria": CRITERIA}})

    assert_exit(sync(app, path), 0)

    assert settings_of(app)["settings"]["closeout"] == {"leftover": "project", "criteria": CRITERIA}
    assert rules_of(app) == ("project", CRITERIA)
    exported = tomllib.loads(invoke(app, "tenants", "export", "yucai").stdout)
    assert exported["closeout"] == {"leftover": "project", "criteria": CRITERIA}
    again = sync(app, write_text(tmp_path / "yucai.toml", invoke(app, "tenants", "export", "yucai").stdout))
    assert_exit(again, 0)
    assert again.stdout.splitlines() == ["unchanged yucai"]


def test_the_documented_example_is_valid(app, tmp_path):
    text = """
[tenant]
slug = "yucai"
name = "育才社区"
kind = "district"

[closeout]
leftover = "fund"     # restricted money a project still holds when it closes or is cancelled
criteria = [          # the evaluation (社会化评估): each scored 0–100; weights add up to 100
  { key = "residents", name = "居民满意度测评", weight = 60 },
  { key = "staff", name = "社区评分", weight = 20 },
  { key = "council", name = "议事会评分", weight = 20 },
]
"""
    assert_exit(sync(app, write_text(tmp_path / "yucai.toml", text)), 0)

    rule, found = rules_of(app)
    assert rule == "fund" and [item["weight"] for item in found] == [60, 20, 20]


def test_demo_tenants_declare_their_close_out(app):
    from pathlib import Path

    for name, rule, weights in (("tiexi", "fund", [60, 20, 20]), ("gushan", "fund", [50, 20, 30])):
        document = tomllib.loads(Path(f"tenants/{name}.toml").read_text(encoding="utf-8"))
        assert document["closeout"]["leftover"] == rule
        assert [item["weight"] for item in document["closeout"]["criteria"]] == weights


def test_defaults_without_the_section(english_app, tmp_path):
    assert_exit(sync(english_app, write(tmp_path / "yucai.toml", {"tenant": TENANT})), 0)

    rule, found = rules_of(english_app)

    assert rule == "fund"
    assert found == [{"key": "residents", "name": "Residents' satisfaction survey", "weight": 60},
                     {"key": "staff", "name": "Staff score", "weight": 20},
                     {"key": "council", "name": "Council score", "weight": 20}]
    assert "closeout" not in tomllib.loads(invoke(english_app, "tenants", "export", "yucai").stdout)


def test_leaving_the_criteria_out_keeps_the_defaults(app, tmp_path):
    assert_exit(sync(app, write(tmp_path / "yucai.toml", {"tenant": TENANT, "closeout": {"leftover": "project"}})), 0)

    rule, found = rules_of(app)

    assert rule == "project" and [item["key"] for item in found] == ["residents", "staff", "council"]


CRITERIA_MESSAGE = "must be a list of 1 to 10 tables { key = …, name = …, weight = … }"
PROBLEMS = {
    "leftover unknown": ({"leftover": "donors"}, ["closeout.leftover: must be one of fund, project"]),
    "unknown key": ({"threshold": 60}, ["closeout.threshold: unknown key"]),
    "not a table": ("fund", ["closeout: must be a table"]),
    "criteria empty": ({"criteria": []}, [f"closeout.criteria: {CRITERIA_MESSAGE}"]),
    "criteria not a list": ({"criteria": "residents"}, [f"closeout.criteria: {CRITERIA_MESSAGE}"]),
    "too many criteria": ({"criteria": [{"key": f"c{index}", "name": f"评分{index}", "weight": 10}
                                        for index in range(11)]}, [f"closeout.criteria: {CRITERIA_MESSAGE}"]),
    "weights do not add up": ({"criteria": [{**CRITERIA[0], "weight": 60}, CRITERIA[1], CRITERIA[2]]},
                              ["closeout.criteria: the weights add up to 110; they must add up to 100"]),
    "weight zero": ({"criteria": [{**CRITERIA[0], "weight": 0}, CRITERIA[1], CRITERIA[2]]},
                    ["closeout.criteria.0.weight: is required: a whole number from 1 to 100"]),
    "weight as text": ({"criteria": [{**CRITERIA[0], "weight": "50"}, CRITERIA[1], CRITERIA[2]]},
                       ["closeout.criteria.0.weight: is required: a whole number from 1 to 100"]),
    "key twice": ({"criteria": [CRITERIA[0], {**CRITERIA[1], "key": "residents"}, CRITERIA[2]]},
                  ["closeout.criteria.1.key: 'residents' is used twice"]),
    "key not a key": ({"criteria": [{**CRITERIA[0], "key": "居民"}, CRITERIA[1], CRITERIA[2]]},
                      ["closeout.criteria.0.key: use lowercase letters, digits, '-' or '_' (start with a letter, "
                       "at most 30)"]),
    "name missing": ({"criteria": [{"key": "residents", "weight": 50}, CRITERIA[1], CRITERIA[2]]},
                     ["closeout.criteria.0.name: is required: what is scored (at most 50 characters)"]),
    "name twice": ({"criteria": [CRITERIA[0], {**CRITERIA[1], "name": " 居民满意度测评 "}, CRITERIA[2]]},
                   ["closeout.criteria.1.name: '居民满意度测评' is used twice"]),
    "criterion unknown key": ({"criteria": [{**CRITERIA[0], "max": 100}, CRITERIA[1], CRITERIA[2]]},
                              ["closeout.criteria.0.max: unknown key"]),
    "criterion not a table": ({"criteria": [CRITERIA[0], "staff", CRITERIA[2]]},
                              ["closeout.criteria.1: must be a table { key = …, name = …, weight = … }",
                               "closeout.criteria: the weights add up to 80; they must add up to 100"]),
}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_problem_is_reported_with_file_and_key_and_nothing_is_applied(app, tmp_path, case):
    section, expected = PROBLEMS[case]
    path = write(tmp_path / "yucai.toml", {"tenant": TENANT, "closeout": section})

    result = sync(app, path)

    assert_exit(result, 1)
    assert result.stderr.splitlines() == [f"{path}: {line}" for line in expected] + [
        f"Nothing applied: {len(expected)} problem(s)."]
    assert settings_of(app) is None
