"""Every route × every kind of reader, in one table: the office, the lead unit (陈某, 县科技局),
a co-unit (钱某, 财务股, on task 1.1 only), another unit (赵某, 局办公室, none of 1.1's), the
task's leader (王副局长) and someone signed out.

Reads: the status each gets. Form posts: each refused reader sends a form that would be
accepted from the right person, and is answered 403 (or 404 where the task is not theirs to
know of) with nothing written; the signed-out are sent to the login; a post without its
form token is refused for everyone. The views' own tests cover what the allowed see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from ledger import lifecycle
from ledger.actors import Actor
from ledger.uow import transaction
from models.enums import Role
from models.outbox import Notice
from models.tables import (
    Evidence,
    Extension,
    HistoryEntry,
    Inspection,
    ProgressReport,
    Task,
    Unit,
    User,
)
from tests.fixtures.web import form_token

WHO = ("周主任", "陈某", "钱某", "赵某", "王副局长", "anonymous")
A = "anonymous"


@dataclass
class Ids:
    task: int  # 1.1: lead 县科技局, co-unit 财务股, leader 王副局长
    submitted: int  # 1.2: 县科技局 asked for closure
    extension: int  # a pending 延期申请 on 1.1
    evidence: int  # a file of 陈某's report on 1.1
    round: int
    unit: int  # 县科技局
    user: int  # 陈某


def _at() -> datetime:
    return datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def ids(web_world, tmp_path: Path) -> Ids:
    w = web_world
    t11, t12 = w.task_id("1.1"), w.task_id("1.2")
    proof = tmp_path / "拨付台账.pdf"
    proof.write_bytes(b"%PDF-1.4 ledger")
    with transaction(w.engine) as session:
        unit = session.exec(select(Unit.id).where(Unit.name == "县科技局")).one()
        chen = Actor(name="陈某", role=Role.unit, unit_id=unit)
        store = w.config.settings.evidence_dir
        lifecycle.report_progress(
            t11, text="已建台账", evidence=[proof], session=session, actor=chen, now=_at(),
            evidence_store=store,
        )  # fmt: skip
        lifecycle.submit_for_closure(
            t12, summary="已约谈", no_evidence_reason="约谈记录在案", session=session,
            actor=chen, now=_at(), evidence_store=store,
        )  # fmt: skip
        extension = lifecycle.request_extension(
            t11, new_deadline=date(2027, 2, 28), reason="项目多", session=session, actor=chen,
            now=_at(), today=date(2026, 11, 3),
        )  # fmt: skip
        session.flush()
        evidence = session.exec(select(Evidence.id)).one()
        user = session.exec(select(User.id).where(User.name == "陈某")).one()
        assert extension.id is not None
        return Ids(t11, t12, extension.id, evidence, w.round.inspection_id, unit, user)


# --- reads ------------------------------------------------------------------------------

# path template → status for 周主任, 陈某, 钱某, 赵某, 王副局长, signed out
READS: list[tuple[str, tuple[int, ...]]] = [
    ("/", (200, 200, 200, 200, 200, 303)),
    ("/tasks", (200, 200, 200, 200, 200, 303)),
    ("/tasks/{task}", (200, 200, 200, 404, 200, 303)),
    ("/tasks/{task}/edit", (200, 403, 403, 404, 403, 303)),
    ("/evidence/{evidence}", (200, 200, 200, 404, 200, 303)),
    ("/tasks/{task}/closure-form.docx", (200, 200, 200, 404, 200, 303)),
    ("/tasks/999999", (404, 404, 404, 404, 404, 303)),
    ("/evidence/999999", (404, 404, 404, 404, 404, 303)),
    ("/review", (200, 403, 403, 403, 403, 303)),
    ("/rounds", (200, 403, 403, 403, 403, 303)),
    ("/rounds/{round}", (200, 200, 200, 200, 200, 303)),
    ("/import", (200, 403, 403, 403, 403, 303)),
    ("/outbox", (200, 200, 200, 200, 200, 303)),  # each reads the notices addressed to them
    ("/users", (200, 403, 403, 403, 403, 303)),
    ("/scores", (200, 200, 200, 200, 200, 303)),
    ("/scores.xlsx", (200, 200, 200, 200, 200, 303)),
    ("/account/password", (200, 200, 200, 200, 200, 303)),
    ("/ledger.xlsx", (200, 403, 403, 403, 403, 303)),
    ("/rounds/{round}/ledger.xlsx", (200, 403, 403, 403, 403, 303)),
    ("/rounds/{round}/report.docx", (200, 403, 403, 403, 403, 303)),
    ("/rounds/{round}/archive.zip", (200, 403, 403, 403, 403, 303)),
    ("/weekly.docx", (200, 403, 403, 403, 403, 303)),
    ("/login", (200, 200, 200, 200, 200, 200)),
]


@pytest.fixture
def clients(web_world):
    return {who: web_world.client() if who == A else web_world.login(who) for who in WHO}


@pytest.mark.parametrize(("template", "expected"), READS, ids=[r[0] for r in READS])
def test_each_reader_gets_each_page_or_is_refused(web_world, ids, clients, template, expected):
    path = template.format(**vars(ids))
    got = tuple(clients[who].get(path).status_code for who in WHO)
    assert got == expected, path
    if expected[-1] == 303:
        to = clients[A].get(path).headers["location"]
        assert to.startswith("/login"), to
    for who, status in zip(WHO, expected, strict=True):
        if status in (403, 404):
            page = clients[who].get(path)
            # A refusal is a page in Chinese, never the thing refused.
            assert "text/html" in page.headers["content-type"]
            assert ("无权" in page.text or "仅限" in page.text) if status == 403 else True
            assert "未找到" in page.text if status == 404 else True
            assert "建立科技项目资金拨付台账" not in page.text


# --- form posts -------------------------------------------------------------------------

# path template, a form the right person would have accepted, and the refused readers with
# the status each gets (the rest of WHO may post it).
POSTS: list[tuple[str, dict[str, str], dict[str, int]]] = [
    ("/tasks/{task}/progress", {"text": "进展"}, {"赵某": 404, "王副局长": 403}),
    (
        "/tasks/{task}/submit",
        {"summary": "已完成", "no_evidence_reason": "无", "open_parts_reason": "统筹"},
        {"钱某": 403, "赵某": 404, "王副局长": 403},
    ),
    (
        "/tasks/{task}/extension",
        {"new_deadline": "2027-03-31", "reason": "项目多"},
        {"钱某": 403, "赵某": 404, "王副局长": 403},
    ),
    ("/tasks/{task}/acknowledge", {}, {"周主任": 403, "赵某": 404, "王副局长": 403}),
    (
        "/tasks/{task}/part/done",
        {"note": "已完成"},
        {"周主任": 403, "陈某": 403, "赵某": 404, "王副局长": 403},
    ),
    (
        "/tasks/{task}/part/reopen",
        {"reason": "重新核查"},
        {"周主任": 403, "陈某": 403, "赵某": 404, "王副局长": 403},
    ),
    (
        "/progress/batch",
        {"back": "{task}", "task_ids": "{task}", "text": "进展"},
        {"赵某": 404, "王副局长": 403},
    ),
    (
        "/review/tasks/{submitted}",
        {"decision": "verify", "version": "{version}"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    (
        "/review/extensions/{extension}",
        {"decision": "approve", "version": "{version}"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    ("/tasks/{task}/urge", {}, {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403}),
    ("/units/{unit}/urge", {}, {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403}),
    (
        "/tasks/{task}/edit",
        {"measure": "改", "lead_unit": "县科技局", "kind": "dated", "reason": "更正"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    (
        "/tasks/{task}/withdraw",
        {"reason": "误录"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),  # fmt: skip
    (
        "/tasks/{task}/restore",
        {"reason": "误撤"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),  # fmt: skip
    (
        "/import/confirm",
        {"token": "x", "name": "台账.csv"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),  # fmt: skip
    (
        "/users",
        {"name": "新用户", "role": "unit", "unit": "县科技局", "password": "Zhenggai-2027"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    (
        "/users/{user}",
        {"role": "leader", "unit": "", "notify_tag": ""},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    (
        "/users/{user}/password",
        {"password": "Zhenggai-2099"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    (
        "/users/{user}/active",
        {"active": ""},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),  # fmt: skip
    ("/outbox/retry", {}, {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403}),
    (
        "/rounds",
        {"body": "县委第二巡察组"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),  # fmt: skip
    (
        "/rounds/{round}",
        {"body": "省委第九巡视组", "subject": "科技工作", "reason": "更正"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),
    ("/units", {"name": "新单位"}, {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403}),
    (
        "/units/{unit}",
        {"name": "县科学技术局"},
        {"陈某": 403, "钱某": 403, "赵某": 403, "王副局长": 403},
    ),  # fmt: skip
]


def _written(world) -> tuple[int, ...]:
    """Everything a post could leave behind."""
    with transaction(world.engine) as session:
        counts = [
            session.exec(select(func.count()).select_from(table)).one()
            for table in (HistoryEntry, Notice, ProgressReport, Evidence, User, Unit, Inspection)
        ]
        states = session.exec(
            select(Task.status, Task.version, Task.leader, Task.measure, Task.withdrawn_at)
        ).all()
        extension = session.exec(select(Extension.status)).all()
    return (*counts, hash(tuple(states)), hash(tuple(extension)))


def _fill(world, ids: Ids, data: dict[str, str], path: str) -> dict[str, str]:
    with transaction(world.engine) as session:
        # A decision carries the version of the task it was read at (the extension's is 1.1).
        task = ids.task if "/extensions/" in path else ids.submitted
        version = session.get(Task, task).version
    return {k: v.format(version=version, **vars(ids)) for k, v in data.items()}


@pytest.mark.parametrize(
    ("template", "data", "refused"), POSTS, ids=[p[0] for p in POSTS]
)  # fmt: skip
def test_a_refused_reader_s_post_is_refused_and_writes_nothing(
    web_world, ids, clients, template, data, refused
):
    path = template.format(**vars(ids))
    form = _fill(web_world, ids, data, path)
    before = _written(web_world)
    for who, status in refused.items():
        client = clients[who]
        token = form_token(client.get("/account/password").text)
        response = client.post(path, data={"csrf_token": token, **form})
        assert response.status_code == status, (who, path, response.text[-400:])
        assert _written(web_world) == before, (who, path)
    # Signed out: to the login, nothing written.
    anonymous = clients[A]
    token = form_token(anonymous.get("/login").text)
    response = anonymous.post(path, data={"csrf_token": token, **form})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    # Without the form token, or with a forged one: refused for everyone, nothing written.
    for who in ("周主任", "陈某"):  # the token is checked before the route, for anyone
        for forged in ({}, {"csrf_token": "x" * 40}):
            response = clients[who].post(path, data={**form, **forged})
            assert response.status_code == 403 and "表单已失效" in response.text, (who, path)
    assert _written(web_world) == before, path


def _app_routes(web_world, method: str) -> set[str]:
    from fastapi.routing import APIRoute

    def walk(container) -> list[APIRoute]:
        found = []
        for r in container.routes:
            inner = getattr(r, "original_router", None)  # an included router (FastAPI 0.150)
            found += walk(inner) if inner is not None else [r] if isinstance(r, APIRoute) else []
        return found

    return {r.path for r in walk(web_world.client().app) if method in r.methods}


def _as_route(template: str) -> str:
    for short, name in (
        ("{task}", "{task_id}"),
        ("{submitted}", "{task_id}"),
        ("{extension}", "{extension_id}"),
        ("{round}", "{inspection_id}"),
        ("{unit}", "{unit_id}"),
        ("{user}", "{user_id}"),
        ("{evidence}", "{evidence_id}"),
    ):
        template = template.replace(short, name)
    return template


def test_every_route_of_the_app_is_in_the_tables(web_world):
    """A route added later must be added to READS or POSTS (or to the reasons below) too."""
    posted = _app_routes(web_world, "POST")
    assert len(posted) > 20
    # Posted by anyone signed in (their own session) or by the signed-out: tested in
    # test_sign_in (login, logout, password change) and test_ledger_upload (the upload itself).
    own = {"/login", "/logout", "/account/password", "/import"}
    tabled = {_as_route(p[0]) for p in POSTS}
    assert posted - own == tabled, sorted(posted ^ (tabled | own))

    read = _app_routes(web_world, "GET")
    # The form addresses and /logout opened as pages: test_stable_addresses; a 督办通知单
    # exists only once one was issued: test_downloads / test_task_documents.
    elsewhere = {
        "/tasks/{task_id}/progress",
        "/tasks/{task_id}/submit",
        "/tasks/{task_id}/extension",
        "/logout",
        "/tasks/{task_id}/supervision-order.docx",
    }
    tabled = {_as_route(r[0]) for r in READS if "999999" not in r[0]}
    assert read - elsewhere == tabled, sorted(read ^ (tabled | elsewhere))
