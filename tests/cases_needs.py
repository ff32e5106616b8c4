"""Cross-tenant cases for the needs routes (merged into tests/cases.py CASES).

Samples by an allowed role must not be refused: the triage samples act on A's need
``a_need_number`` (new), and the photo sample names a need with a photo.
"""

import io

from tests.world import png_bytes


def _need_form(**extra):
    def data():
        return {"category": "道路设施", "description": "跨租户测试：楼道灯不亮", "building": "1号楼", "location": "",
                "contact_name": "测试居民", "contact_phone": "13800000001", **extra}

    return data


def _photo():
    return io.BytesIO(png_bytes())


EXTRA_CASES: dict[str, list[tuple]] = {
    "public_needs.index": [("GET", lambda w: "/public/needs/", None),
                           ("GET", lambda w: "/public/needs/?sort=support&category=道路设施&page=2", None)],
    "public_needs.new": [("GET", lambda w: "/public/needs/new", None),
                         ("POST", lambda w: "/public/needs/new", _need_form())],
    "public_needs.lookup": [("GET", lambda w: "/public/needs/status", None),
                            ("GET", lambda w: f"/public/needs/status?code={w.a_need_code.upper()}", None)],
    "public_needs.status": [("GET", lambda w: f"/public/needs/status/{w.a_need_code}", None)],
    "public_needs.support": [("POST", lambda w: f"/public/needs/{w.a_need_number}/support", lambda: {})],
    "needs.index": [("GET", lambda w: "/needs/", None),
                    ("GET", lambda w: "/needs/?status=new&category=道路设施&building=3号楼&q=路灯&sort=support"
                                      "&date_from=2020-01-01&date_to=2099-12-31&page=2", None)],
    "needs.bulk": [("POST", lambda w: "/needs/bulk", lambda: {"numbers": ["1", "2", "3", "4"], "action": "decline",
                                                              "reason": "跨租户测试", "status": "new"})],
    "needs.new": [("GET", lambda w: "/needs/new", None),
                  ("POST", lambda w: "/needs/new", lambda: _need_form()() | {"photo": (_photo(), "photo.png")})],
    "needs.need": [("GET", lambda w: f"/needs/{w.a_need_number}", None)],
    "needs.triage": [("POST", lambda w: f"/needs/{w.a_need_number}/triage", lambda: {"action": "accept"}),
                     ("POST", lambda w: f"/needs/{w.a_need_number}/triage", lambda: {"action": "decline"})],
    "needs.photo": [("GET", lambda w: f"/needs/{w.a_need_number}/photo", None)],
}
EXTRA_OBJECT_ENDPOINTS: set[str] = {"public_needs.status", "public_needs.support", "needs.need", "needs.triage",
                                    "needs.photo"}
