"""`/import`: the ledger's dry run first (every row's fate, every row error), then confirm."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from ledger.uow import transaction
from models.tables import HistoryEntry, Task
from tests.fixtures.web import form_token

HEADER = "序号,问题清单,整改任务,牵头领导,牵头单位,配合单位,责任人,完成时限,目前进展\n"
GOOD = HEADER + (
    "1,办文流程不规范,修订公文处理办法,李局长,局办公室,,赵某,2027-03-31,\n"
    "1,办文流程不规范,开展公文质量专项检查,李局长,局办公室,县科技局,赵某,2027-04-30,\n"
    "2,经费报销审核不严,建立报销复核制度,王副局长,财务股,,钱某,长期坚持,\n"
)
# Row 3 has no 牵头单位: the whole file is refused.
BAD = HEADER + (
    "1,办文流程不规范,修订公文处理办法,李局长,局办公室,,赵某,2027-03-31,\n"
    "1,办文流程不规范,开展公文质量专项检查,李局长,,,赵某,2027-04-30,\n"
)


def _tasks(world) -> int:
    with transaction(world.engine) as session:
        return session.exec(select(func.count()).select_from(Task)).one()


def _staged(world) -> list[str]:
    folder = world.config.settings.data_dir / "uploads"
    return [p.name for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _try(client, name: str, content: str | bytes, **form):
    page = client.get("/import")
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        "/import",
        data={"csrf_token": form_token(page.text), **form},
        files={"file": (name, data, "text/csv")},
    )


def _confirm(client, page: str):
    fields = dict(
        (name, value)
        for name, value in __import__("re").findall(
            r'<input type="hidden" name="(token|name|inspection_id)" value="([^"]*)"', page
        )
    )
    return client.post("/import/confirm", data={"csrf_token": form_token(page), **fields})


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("周主任", 200),
        ("陈某", 403),
        ("钱某", 403),
        ("赵某", 403),
        ("王副局长", 403),
        ("anonymous", 303),
    ],
)
def test_the_upload_page_is_the_office_s(web_world, who, status):
    client = web_world.client() if who == "anonymous" else web_world.login(who)
    response = client.get("/import")
    assert response.status_code == status
    if status == 200:
        assert 'enctype="multipart/form-data"' in response.text and "试导入" in response.text
    if status == 403:
        assert "此操作仅限整改办" in response.text


def test_a_dry_run_shows_what_would_happen_and_writes_nothing_until_confirmed(web_world):
    client = web_world.login("周主任")
    before = _tasks(web_world)
    tried = _try(client, "办公室整改台账.csv", GOOD)
    assert tried.status_code == 200
    page = tried.text
    assert "试导入结果(尚未写入)" in page
    assert '将新增 <b class="created">3</b> 项' in page
    assert "修订公文处理办法" in page and "建立报销复核制度" in page
    assert _tasks(web_world) == before  # nothing written by the try
    done = _confirm(client, page)
    assert done.status_code == 200 and "导入完成" in done.text
    assert _tasks(web_world) == before + 3
    assert _staged(web_world) == []
    # The same file again: every task unchanged.
    again = _try(client, "办公室整改台账.csv", GOOD).text
    assert '未变 <b class="unchanged">3</b> 项' in again
    assert '将新增 <b class="created">0</b> 项' in again


def test_a_bad_row_is_shown_with_its_row_and_nothing_is_written(web_world):
    client = web_world.login("周主任")
    before = _tasks(web_world)
    with transaction(web_world.engine) as session:
        history = session.exec(select(func.count()).select_from(HistoryEntry)).one()
    response = _try(client, "有错的台账.csv", BAD)
    assert response.status_code == 400
    assert "本次未导入任何内容" in response.text
    assert "第3行" in response.text and "牵头单位" in response.text
    assert "确认导入" not in response.text
    assert _tasks(web_world) == before and _staged(web_world) == []
    with transaction(web_world.engine) as session:
        assert session.exec(select(func.count()).select_from(HistoryEntry)).one() == history


def test_a_file_that_is_not_a_ledger_or_too_large_is_refused_beside_the_field(web_world):
    client = web_world.login("周主任")
    wrong = _try(client, "说明.txt", "你好")
    assert wrong.status_code == 400
    assert 'id="file-error"' in wrong.text and "只能导入 .xlsx、.xls 或 .csv 文件" in wrong.text
    web_world.config.max_file_bytes = 100
    large = _try(client, "大台账.csv", GOOD)
    assert large.status_code == 400 and "超过" in large.text and "未导入" in large.text
    garbage = _try(client, "坏文件.xlsx", b"\x00\x01not a workbook" * 10)
    assert garbage.status_code == 400 and 'id="file-error"' in garbage.text
    assert _staged(web_world) == []


def test_upload_and_confirm_are_refused_without_the_form_token_or_for_a_unit(web_world):
    office = web_world.login("周主任")
    no_token = office.post("/import", files={"file": ("a.csv", GOOD.encode(), "text/csv")})
    assert no_token.status_code == 403 and "表单已过期" in no_token.text
    wrong = office.post(
        "/import",
        data={"csrf_token": "forged"},
        files={"file": ("a.csv", GOOD.encode(), "text/csv")},
    )
    assert wrong.status_code == 403
    assert _staged(web_world) == []
    unit = web_world.login("赵某")
    token = form_token(unit.get("/").text)
    refused = unit.post(
        "/import",
        data={"csrf_token": token},
        files={"file": ("a.csv", GOOD.encode(), "text/csv")},
    )
    assert refused.status_code == 403 and _staged(web_world) == []
    # A confirmation needs a real try: a made-up token is not found, nothing imported.
    tried = _try(office, "办公室整改台账.csv", GOOD).text
    before = _tasks(web_world)
    bogus = office.post(
        "/import/confirm",
        data={"csrf_token": form_token(tried), "token": "0" * 64, "name": "x.csv"},
    )
    assert bogus.status_code == 404 and "请重新上传" in bogus.text
    hostile = office.post(
        "/import/confirm",
        data={"csrf_token": form_token(tried), "token": "../../etc", "name": "../passwd.csv"},
    )
    assert hostile.status_code == 404
    assert unit.post("/import/confirm", data={"csrf_token": token}).status_code == 403
    assert _tasks(web_world) == before


def test_script_in_the_uploaded_ledger_is_shown_escaped(web_world):
    client = web_world.login("周主任")
    hostile = GOOD.replace("修订公文处理办法", "<script>alert(1)</script>办法")
    page = _try(client, "<img src=x>.csv", hostile).text
    assert "<script>alert" not in page and "<img src=x>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;办法" in page
