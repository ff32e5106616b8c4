"""Progress updates: staff report what was done (percent, photos); the public page shows them as a timeline."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.extensions import db
from app.projects import services
from app.projects.models import Project, ProjectUpdate
from tests.conftest import login
from tests.projects_world import (
    STAFF_ROLES,
    TODAY,
    make_projects_world,
    ready_project,
    scoped,
    to_review,
    user,
    vote_all,
)

AFTER_NOTICE = TODAY + timedelta(days=8)


@pytest.fixture
def world(app, factory):
    return make_projects_world(app, factory)


def raising(app, world) -> int:
    with scoped(app, world):
        project = ready_project(world, title="爱心医护站")
        vote_all(world, to_review(world, project), ["approve"] * 5)
        services.transition(project, "start_fundraising", actor=user(world.staff), roles=STAFF_ROLES,
                            today=AFTER_NOTICE)
        db.session.commit()
        return project.number


def jpeg(color=(10, 120, 200)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    buffer.seek(0)
    return buffer


def post(client, world, number, **data):
    return client.post(f"/c/{world.tenant.slug}/projects/{number}/updates", data=data,
                       content_type="multipart/form-data")


def updates(app, world, number) -> list[ProjectUpdate]:
    with scoped(app, world):
        project = db.session.scalar(select(Project).where(Project.number == number))
        return services.updates_of(project)


def test_staff_post_progress_with_photos_and_the_public_sees_it(app, client, world):
    number = raising(app, world)
    login(client, world.staff)
    response = post(client, world, number, body="医护站装修完成，设备已进场", percent_done="40",
                    photos=[(jpeg(), "a.jpg"), (jpeg((200, 10, 10)), "b.jpg")])
    assert response.status_code == 302
    [update] = updates(app, world, number)
    assert (update.percent_done, len(update.photo_keys)) == (40, 2)
    client.get("/logout")
    page = client.get(f"/c/{world.tenant.slug}/public/projects/{number}").get_data(as_text=True)
    assert "医护站装修完成，设备已进场" in page and "40%" in page
    photo = client.get(f"/c/{world.tenant.slug}/public/projects/{number}/updates/{update.id}/photos/1")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    data = photo.data
    photo.close()
    assert Image.open(io.BytesIO(data)).getpixel((5, 5))[0] > 150, "the second photo (red)"
    missing = client.get(f"/c/{world.tenant.slug}/public/projects/{number}/updates/{update.id}/photos/2")
    assert missing.status_code == 404


def test_progress_is_refused_before_the_project_raises_money(app, client, world):
    with scoped(app, world):
        number = ready_project(world).number
        db.session.commit()
    login(client, world.staff)
    response = post(client, world, number, body="提前汇报", percent_done="10")
    assert response.status_code == 422
    assert updates(app, world, number) == []


@pytest.mark.parametrize("percent", ["-1", "101", "abc", ""])
def test_percent_must_be_0_to_100(app, client, world, percent):
    number = raising(app, world)
    login(client, world.staff)
    assert post(client, world, number, body="进展", percent_done=percent).status_code == 422
    assert updates(app, world, number) == []


def test_photos_are_checked(app, client, world):
    number = raising(app, world)
    login(client, world.staff)
    not_image = post(client, world, number, body="进展", percent_done="10",
                     photos=[(io.BytesIO(b"%PDF-1.4 not a photo"), "x.jpg")])
    assert not_image.status_code == 422
    too_many = post(client, world, number, body="进展", percent_done="10",
                    photos=[(jpeg(), f"{index}.jpg") for index in range(5)])
    assert too_many.status_code == 422
    assert updates(app, world, number) == []


def test_zero_percent_is_a_valid_first_report(app, client, world):
    number = raising(app, world)
    login(client, world.staff)
    assert post(client, world, number, body="已召开动员会", percent_done="0").status_code == 302
    assert [update.percent_done for update in updates(app, world, number)] == [0]


def test_the_final_photos_can_be_posted_while_closing_but_not_after(app, client, world):
    from tests.spending_world import in_progress

    with scoped(app, world):
        project = in_progress(world)
        services.transition(project, "start_closeout", actor=user(world.staff), roles=STAFF_ROLES,
                            today=AFTER_NOTICE + timedelta(days=30))
        db.session.commit()
        number = project.number
    login(client, world.staff)
    page = client.get(f"/c/{world.tenant.slug}/projects/{number}").get_data(as_text=True)
    assert f'action="/c/{world.tenant.slug}/projects/{number}/updates"' in page
    assert post(client, world, number, body="竣工照片", percent_done="100",
                photos=[(jpeg(), "done.jpg")]).status_code == 302
    with scoped(app, world):
        project = db.session.scalar(select(Project).where(Project.number == number))
        project.status = "closed"
        db.session.commit()
    assert post(client, world, number, body="结项后补充", percent_done="100").status_code == 422
    assert [update.body for update in updates(app, world, number)] == ["竣工照片"]
