"""The addresses issue 10 promises to keep (links in notices and bookmarks depend on them):
each answers as a page, including the form addresses and /logout opened as a page."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.web import PASSWORD, form_token


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section class="card" id="{section_id}">')
    return html[start : html.index("</section>", start)]


def test_the_login_page_has_the_promised_fields(web_world):
    page = web_world.client().get("/login").text
    assert re.search(r'<input[^>]+name="username"', page)
    assert re.search(r'<input[^>]+name="password"[^>]*type="password"|<input[^>]+type="password"'
                     r'[^>]*name="password"', page)  # fmt: skip
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+"', page)


def test_every_page_address_of_the_list_answers_the_office(web_world):
    office = web_world.login("周主任")
    task = web_world.task_id("1.1")
    for path in (
        "/",
        f"/tasks/{task}",
        "/review",
        f"/rounds/{web_world.round.inspection_id}",
        "/import",
        "/outbox",
        "/users",
    ):
        assert office.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("form", "label"), [("progress", "填报进展"), ("submit", "申请销号"), ("extension", "延期")]
)
def test_a_form_address_opened_as_a_page_opens_that_form_on_the_task(web_world, form, label):
    task = web_world.task_id("1.1")
    unit = web_world.login("陈某")
    to = unit.get(f"/tasks/{task}/{form}")
    assert to.status_code == 303
    assert to.headers["location"] == f"/tasks/{task}?open={form}#{form}"
    page = unit.get(to.headers["location"]).text
    section = _section(page, form)
    assert "<details open>" in section and label in section
    # The other forms stay closed.
    others = {"progress", "submit", "extension"} - {form}
    assert all("<details open>" not in _section(page, other) for other in others)


def test_a_form_address_opened_signed_out_leads_through_the_login_to_the_form(web_world):
    task = web_world.task_id("1.1")
    client = web_world.client()
    to_task = client.get(f"/tasks/{task}/submit").headers["location"]
    to_login = client.get(to_task)
    assert to_login.status_code == 303 and to_login.headers["location"].startswith("/login?next=")
    login_page = client.get(to_login.headers["location"])
    signed_in = client.post(
        "/login",
        data={
            "username": "陈某",
            "password": PASSWORD,
            "csrf_token": form_token(login_page.text),
            "next": f"/tasks/{task}?open=submit",
        },
    )
    assert signed_in.headers["location"] == f"/tasks/{task}?open=submit"
    assert "<details open>" in _section(client.get(signed_in.headers["location"]).text, "submit")


def test_a_form_address_of_another_unit_s_task_ends_in_not_found(web_world):
    other = web_world.login("赵某")
    task = web_world.task_id("1.1")
    page = other.get(other.get(f"/tasks/{task}/submit").headers["location"])
    assert page.status_code == 404 and "建立科技项目资金拨付台账" not in page.text


def test_an_unknown_form_name_opens_no_form(web_world):
    unit = web_world.login("陈某")
    page = unit.get(f"/tasks/{web_world.task_id('1.1')}?open=<script>").text
    assert "<details open>" not in page and "<script>" not in page.split("</nav>", 1)[1]


def test_logout_opened_as_a_page_asks_and_its_button_signs_out(web_world):
    unit = web_world.login("陈某")
    page = unit.get("/logout")
    assert page.status_code == 200 and "确定要退出" in page.text
    assert 'action="/logout"' in page.text
    done = unit.post("/logout", data={"csrf_token": form_token(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert unit.get("/").status_code == 303  # signed out
    # Signed out, /logout is just the way to the login.
    again = web_world.client().get("/logout")
    assert again.status_code == 303 and again.headers["location"] == "/login"


def test_the_progress_form_opened_by_its_address_keeps_the_last_report_prefilled(web_world):
    task = web_world.task_id("1.1")
    unit = web_world.login("陈某")
    token = form_token(unit.get(f"/tasks/{task}").text)
    unit.post(f"/tasks/{task}/progress", data={"csrf_token": token, "text": "已建立资金拨付台账"})
    page = unit.get(unit.get(f"/tasks/{task}/progress").headers["location"]).text
    section = _section(page, "progress")
    assert "<details open>" in section
    assert ">已建立资金拨付台账</textarea>" in section and "已按本单位上次填报" in section
