"""Cross-tenant cases for the project routes (merged into tests/cases.py CASES)."""

BUDGET_FORM = {"rows-0-item": "水泥", "rows-0-quantity": "2.5", "rows-0-unit": "吨", "rows-0-unit_price": "333.33",
               "rows-0-fund": "charity"}

EXTRA_CASES: dict[str, list[tuple]] = {
    "projects.index": [("GET", lambda w: "/projects/", None), ("GET", lambda w: "/projects/?status=draft&q=甲", None)],
    "projects.new": [
        ("GET", lambda w: f"/projects/new?need={w.a_need_number}", None),
        ("POST", lambda w: "/projects/new", lambda: {"title": "新项目", "need_numbers": ""}),
    ],
    "projects.project": [("GET", lambda w: f"/projects/{w.a_project_number}", None)],
    "projects.edit_details": [
        ("GET", lambda w: f"/projects/{w.a_project_number}/details", None),
        ("POST", lambda w: f"/projects/{w.a_project_number}/details", lambda: {"title": "被篡改的项目"}),
    ],
    "projects.section": [("GET", lambda w: f"/projects/{w.a_project_number}/plan/budget", None)],
    "projects.edit_section": [
        ("GET", lambda w: f"/projects/{w.a_project_number}/plan/targets/edit", None),
        ("POST", lambda w: f"/projects/{w.a_project_number}/plan/budget/edit", lambda: dict(BUDGET_FORM)),
    ],
    "projects.budget_totals": [("POST", lambda w: f"/projects/{w.a_project_number}/plan/budget/totals",
                                lambda: dict(BUDGET_FORM))],
    "projects.link_need": [("POST", lambda w: f"/projects/{w.a_project_number}/needs",
                            lambda: {"need": "1"})],
    "projects.unlink_need": [("POST", lambda w: f"/projects/{w.a_project_number}/needs/1/unlink", lambda: {})],
    "projects.submit": [("POST", lambda w: f"/projects/{w.a_project_number}/actions/submit", lambda: {})],
    "projects.withdraw": [("POST", lambda w: f"/projects/{w.a_project_number}/actions/withdraw", lambda: {})],
    "projects.start_review": [("POST", lambda w: f"/projects/{w.a_project_number}/actions/start_review", lambda: {})],
    "projects.revise": [("POST", lambda w: f"/projects/{w.a_project_number}/actions/revise", lambda: {})],
    "projects.amend": [("POST", lambda w: f"/projects/{w.a_approved_project_number}/actions/amend",
                        lambda: {"note": "调整预算"})],
    "projects.start_fundraising": [("POST", lambda w: f"/projects/{w.a_approved_project_number}/actions/start_fundraising",
                                    lambda: {})],
    "projects.start_work": [("POST", lambda w: f"/projects/{w.a_approved_project_number}/actions/start_work",
                             lambda: {})],
    "projects.cancel": [("POST", lambda w: f"/projects/{w.a_project_number}/actions/cancel",
                         lambda: {"note": "不再需要"})],
    "projects.post_update": [("POST", lambda w: f"/projects/{w.a_approved_project_number}/updates",
                              lambda: {"body": "进展", "percent_done": "20"})],
    "projects.version": [("GET", lambda w: f"/projects/{w.a_approved_project_number}/versions/1", None)],
    "projects.diff": [("GET", lambda w: f"/projects/{w.a_approved_project_number}/diff", None)],
    "projects.plan_pdf": [("GET", lambda w: f"/projects/{w.a_project_number}/plan.pdf", None)],
    "projects.version_pdf": [("GET", lambda w: f"/projects/{w.a_approved_project_number}/versions/1/plan.pdf", None)],
    "projects.answer_objection": [
        ("POST", lambda w: f"/projects/{w.a_approved_project_number}/objections/{w.a_objection_id}/answer",
         lambda: {"answer": "已答复"})],
    # Public pages: B's slug shows B's projects only (A's numbers are 404 there).
    "public_projects.index": [("GET", lambda w: "/public/projects/", None)],
    "public_projects.project": [("GET", lambda w: f"/public/projects/{w.a_approved_project_number}", None)],
    "public_projects.object": [("POST", lambda w: f"/public/projects/{w.a_approved_project_number}/objections",
                                lambda: {"name": "居民", "phone": "13900000001", "reason": "噪音"})],
    "public_projects.plan_pdf": [("GET", lambda w: f"/public/projects/{w.a_approved_project_number}/plan.pdf", None)],
    "public_projects.update_photo": [
        ("GET", lambda w: f"/public/projects/{w.a_approved_project_number}/updates/{w.a_update_id}/photos/0", None)],
    "public_projects.poster": [("GET", lambda w: f"/public/projects/{w.a_approved_project_number}/poster", None)],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = {
    "projects.project", "projects.edit_details", "projects.section", "projects.edit_section", "projects.budget_totals",
    "projects.link_need", "projects.unlink_need", "projects.submit", "projects.withdraw", "projects.start_review",
    "projects.revise", "projects.amend", "projects.start_fundraising", "projects.start_work", "projects.cancel", "projects.version",
    "projects.diff", "projects.plan_pdf", "projects.version_pdf", "projects.answer_objection",
    "public_projects.project", "public_projects.object", "public_projects.plan_pdf", "public_projects.poster",
    "public_projects.update_photo", "projects.post_update",
}
