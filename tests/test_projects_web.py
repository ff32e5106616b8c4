"""Projects through HTTP: plan editor (rows, totals, save), workflow buttons, versions, public pages, objections."""

import re

import pytest

from app.extensions import db
from app.projects.models import Project
from tests.conftest import login
from tests.projects_world import (
    make_projects_world,
    ready_project,
    real_today,
    scoped,
    to_review,
    vote_all,
)


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory, quorum=3)


def url(world, path: str) -> str:
    return f"/c/{world.tenant.slug}{path}"


def new_project(app, world, **kwargs):
    with scoped(app, world):
        project = ready_project(world, **kwargs)
        db.session.commit()
        return project.number


def load(app, world, number) -> Project:
    with scoped(app, world):
        return db.session.scalar(db.select(Project).where(Project.number == number))


def test_create_project_from_needs_and_edit_budget(app, client, world):
    from app.needs import services as needs

    with scoped(app, world):
        need = needs.submit_need(needs.NeedInput("道路设施", "路面坑洼", "3号楼", "", "张三", "13800000001"),
                                 categories=["道路设施"])
        db.session.commit()
        need_number = need.number
    login(client, world.staff)
    page = client.get(url(world, f"/projects/new?need={need_number}")).get_data(as_text=True)
    assert "路面坑洼" in page
    response = client.post(url(world, "/projects/new"), data={"title": "道路硬化", "need_numbers": str(need_number)})
    assert response.status_code == 302
    number = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(url(world, f"/projects/{number}")).get_data(as_text=True)
    assert "道路硬化" in page and "路面坑洼" in page

    budget = {"rows-0-item": "水泥", "rows-0-quantity": "2.5", "rows-0-unit": "吨", "rows-0-unit_price": "3.33",
              "rows-0-fund": "charity", "rows-1-item": "人工", "rows-1-quantity": "10", "rows-1-unit": "工日",
              "rows-1-unit_price": "200", "rows-1-fund": "charity"}
    totals = client.post(url(world, f"/projects/{number}/plan/budget/totals"), data=budget,
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(r'id="line-total-0"[^>]*>¥8\.33<', totals)  # 2.5 × 3.33 = 8.325 → 8.33 (half up)
    assert re.search(r'id="budget-grand-total"[^>]*>¥2,008\.33<', totals)

    added = client.post(url(world, f"/projects/{number}/plan/budget/edit"), data={**budget, "add_row": "1"},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="rows-2-item"' in added and 'value="人工"' in added
    removed = client.post(url(world, f"/projects/{number}/plan/budget/edit"), data={**budget, "remove_row": "0"},
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'value="水泥"' not in removed and 'name="rows-0-item" type="text" value="人工"' in removed

    bad = client.post(url(world, f"/projects/{number}/plan/budget/edit"),
                      data={**budget, "rows-1-quantity": "abc"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "abc" in bad.get_data(as_text=True)
    saved = client.post(url(world, f"/projects/{number}/plan/budget/edit"), data=budget,
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "¥2,008.33" in saved.get_data(as_text=True)
    project = load(app, world, number)
    assert project.budget_total_fen == 200_833
    assert [line["item"] for line in project.plan["budget"]] == ["水泥", "人工"]


def test_submit_incomplete_plan_lists_every_problem(app, client, world):
    login(client, world.staff)
    client.post(url(world, "/projects/new"), data={"title": "空计划"})
    number = load(app, world, 1).number
    response = client.post(url(world, f"/projects/{number}/actions/submit"), data={})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert body.count("<li>") >= 5 and load(app, world, number).status == "draft"


def test_workflow_to_approval_and_public_notice(app, client, world):
    number = new_project(app, world, title="爱心医护站")
    login(client, world.staff)  # the pages act on the real date: the council approves today, the notice runs from it
    assert client.post(url(world, f"/projects/{number}/actions/submit"), data={}).status_code == 302
    assert client.post(url(world, f"/projects/{number}/actions/start_review"), data={}).status_code == 302
    assert load(app, world, number).status == "in_review"
    with scoped(app, world):
        from app.council import services as council

        project = db.session.scalar(db.select(Project).where(Project.number == number))
        vote_all(world, council.current_review(project), ["approve", "approve", "approve", "reject", "abstain"],
                 today=real_today())
        db.session.commit()
    page = client.get(url(world, f"/projects/{number}")).get_data(as_text=True)
    assert "v1" in page and "3" in page
    public = client.get(url(world, f"/public/projects/{number}")).get_data(as_text=True)
    assert "爱心医护站" in public and "13800000000" not in public  # team phones stay private
    client.get("/logout")
    objection = client.post(url(world, f"/public/projects/{number}/objections"),
                            data={"name": "王大爷", "phone": "13900001111", "reason": "施工时间太早"})
    assert objection.status_code == 200
    login(client, world.staff)
    refused = client.post(url(world, f"/projects/{number}/actions/start_fundraising"), data={})
    assert refused.status_code == 409 and load(app, world, number).status == "approved"
    listed = client.get(url(world, "/public/projects/")).get_data(as_text=True)
    assert "爱心医护站" in listed


def test_public_pages_hide_drafts(app, client, world):
    number = new_project(app, world, title="草稿项目")
    assert client.get(url(world, f"/public/projects/{number}")).status_code == 404
    assert "草稿项目" not in client.get(url(world, "/public/projects/")).get_data(as_text=True)


def test_objection_form_rejects_bad_input_and_honeypot(app, client, world):
    number = new_project(app, world)
    with scoped(app, world):
        project = db.session.scalar(db.select(Project).where(Project.number == number))
        vote_all(world, to_review(world, project, real_today()), ["approve"] * 5, real_today())
        db.session.commit()
    bad = client.post(url(world, f"/public/projects/{number}/objections"), data={"name": "", "phone": "12",
                                                                                  "reason": "有意见"})
    assert bad.status_code == 422 and "有意见" in bad.get_data(as_text=True)
    bot = client.post(url(world, f"/public/projects/{number}/objections"),
                      data={"name": "机器人", "phone": "13900001111", "reason": "广告", "website": "http://spam"})
    assert bot.status_code == 200
    with scoped(app, world):
        project = db.session.scalar(db.select(Project).where(Project.number == number))
        assert project.objections == []


def test_amend_creates_second_version_with_diff(app, client, world):
    number = new_project(app, world)
    with scoped(app, world):
        project = db.session.scalar(db.select(Project).where(Project.number == number))
        vote_all(world, to_review(world, project), ["approve"] * 5)
        db.session.commit()
    login(client, world.staff)
    assert client.post(url(world, f"/projects/{number}/actions/amend"), data={"note": "增加预算"}).status_code == 302
    client.post(url(world, f"/projects/{number}/plan/background/edit"), data={"background": "修改后的背景说明"})
    with scoped(app, world):
        project = db.session.scalar(db.select(Project).where(Project.number == number))
        vote_all(world, to_review(world, project), ["approve"] * 5)
        db.session.commit()
    diff = client.get(url(world, f"/projects/{number}/diff?from=1&to=2")).get_data(as_text=True)
    assert "修改后的背景说明" in diff and "铁西小区道路坑洼" in diff
    assert client.get(url(world, f"/projects/{number}/versions/1")).status_code == 200
    assert client.get(url(world, f"/projects/{number}/versions/3")).status_code == 404
    page = client.get(url(world, f"/projects/{number}")).get_data(as_text=True)
    assert "v2" in page and "v1" in page


def test_answer_objection(app, client, world):
    number = new_project(app, world)
    with scoped(app, world):
        from app.projects import services
        from tests.projects_world import TODAY

        project = db.session.scalar(db.select(Project).where(Project.number == number))
        vote_all(world, to_review(world, project), ["approve"] * 5)
        objection = services.file_objection(project, services.ObjectionInput("李四", "13900000000", "太吵"),
                                            today=TODAY)
        db.session.commit()
        objection_id = objection.id
    login(client, world.staff)
    empty = client.post(url(world, f"/projects/{number}/objections/{objection_id}/answer"), data={"answer": ""})
    assert empty.status_code == 422
    done = client.post(url(world, f"/projects/{number}/objections/{objection_id}/answer"),
                       data={"answer": "施工安排在白天"})
    assert done.status_code == 302
    assert "施工安排在白天" in client.get(url(world, f"/projects/{number}")).get_data(as_text=True)


def test_public_plan_pdf_masks_phone_numbers(app, client, world):
    import subprocess

    number = new_project(app, world)
    with scoped(app, world):
        project = db.session.scalar(db.select(Project).where(Project.number == number))
        vote_all(world, to_review(world, project), ["approve"] * 5)
        db.session.commit()
    response = client.get(url(world, f"/public/projects/{number}/plan.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True,
                          check=True).stdout.decode()
    assert "138****0000" in text and "13800000000" not in text
    login(client, world.staff)
    staff_copy = client.get(url(world, f"/projects/{number}/versions/1/plan.pdf")).data
    staff_text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=staff_copy, capture_output=True,
                                check=True).stdout.decode()
    assert "13800000000" in staff_text


def test_frozen_version_and_public_page_show_the_organisation(app, client, world):
    number = new_project(app, world)
    with scoped(app, world):
        from app.projects import services
        from tests.projects_world import user

        project = db.session.scalar(db.select(Project).where(Project.number == number))
        services.set_organisation(project, name="邹城市某市政工程有限公司", contact="孟庆海", phone="13905373618",
                                  actor=user(world.staff))
        vote_all(world, to_review(world, project), ["approve"] * 5)
        db.session.commit()
    public = client.get(url(world, f"/public/projects/{number}")).get_data(as_text=True)
    assert "邹城市某市政工程有限公司" in public and "13905373618" not in public
    login(client, world.staff)
    frozen = client.get(url(world, f"/projects/{number}/versions/1")).get_data(as_text=True)
    assert "邹城市某市政工程有限公司" in frozen and "13905373618" in frozen


def test_funding_plan_accepts_zero_for_no_crowdfunding_or_matching(app, client, world):
    number = new_project(app, world)
    with scoped(app, world):
        project = db.session.scalar(db.select(Project).where(Project.number == number))
        project.status = "draft"
        db.session.commit()
    login(client, world.staff)
    response = client.post(url(world, f"/projects/{number}/plan/funding/edit"),
                           data={"rows-0-fund": "charity", "rows-0-amount": "50,000", "crowdfunding_goal": "0",
                                 "expected_matching": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    funding = load(app, world, number).plan["funding"]
    assert funding == {"allocations": [{"fund": "charity", "amount_fen": 5_000_000}], "crowdfunding_goal_fen": 0,
                       "expected_matching_fen": 0}
    negative = client.post(url(world, f"/projects/{number}/plan/funding/edit"),
                           data={"rows-0-fund": "charity", "rows-0-amount": "1", "crowdfunding_goal": "-1"},
                           headers={"HX-Request": "true"})
    assert negative.status_code == 422
