"""Cross-tenant cases for the close-out routes and the close-out workflow actions (merged into tests/cases.py CASES)."""

REPORT = {"summary": "被篡改的结项", "actuals-0-actual": "900", "actuals-0-note": "", "beneficiaries": "12",
          "beneficiaries_note": "", "survey_responses": "10", "scores-0-key": "residents", "scores-0-score": "90",
          "scores-1-key": "staff", "scores-1-score": "80", "scores-2-key": "council", "scores-2-score": "70",
          "evaluation_note": ""}

EXTRA_CASES: dict[str, list[tuple]] = {
    "closeout.project": [("GET", lambda w: f"/closeout/projects/{w.extra['a_closing_project_number']}", None),
                         ("GET", lambda w: f"/closeout/projects/{w.extra['a_closed_project_number']}", None)],
    "closeout.save": [("POST", lambda w: f"/closeout/projects/{w.extra['a_closing_project_number']}/report",
                       lambda: dict(REPORT))],
    "closeout.close": [("POST", lambda w: f"/closeout/projects/{w.extra['a_closing_project_number']}/close",
                        lambda: {"to_project": "", "message": ""})],
    "closeout.cancel": [("POST", lambda w: f"/closeout/projects/{w.extra['a_closing_project_number']}/cancel",
                         lambda: {"to_project": "", "note": "不再需要"})],
    "closeout.report_pdf": [("GET", lambda w: f"/closeout/projects/{w.extra['a_closed_project_number']}/report.pdf",
                             None)],
    "public_closeout.report_pdf": [("GET", lambda w: f"/public/closeout/{w.extra['a_closed_project_number']}.pdf",
                                    None)],
    "projects.start_closeout": [("POST", lambda w: f"/projects/{w.extra['a_closing_project_number']}/actions/"
                                 "start_closeout", lambda: {})],
    "projects.reopen": [("POST", lambda w: f"/projects/{w.extra['a_closing_project_number']}/actions/reopen",
                         lambda: {"note": "还有收尾工作"})],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = set(EXTRA_CASES)
