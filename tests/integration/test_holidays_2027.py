"""No reminder on 春节 2027, a year chinese-calendar does not know: the `holidays` package
decides its public holidays, and the reminder waits for the first working day after."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from notifications.daily import plan_daily_check
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

SPRING_FESTIVAL_MONDAY = date(2027, 2, 8)


def test_the_spring_festival_2027_sends_nothing_and_the_next_working_day_catches_up(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    # Overdue since 2027-01-29: a 催办 is due on every working day it has not been sent.
    build_ledger(
        engine, [TaskSpec("整改事项", "财务处", date(2027, 1, 29))], registered=date(2027, 1, 4)
    )
    settings = notify_settings(tmp_path, database_url)

    holiday = plan_daily_check(
        engine, settings, as_of=SPRING_FESTIVAL_MONDAY, now=at_nine(SPRING_FESTIVAL_MONDAY)
    )
    after = date(2027, 2, 11)  # the first working day after the package's 2-05..2-10
    catch_up = plan_daily_check(engine, settings, as_of=after, now=at_nine(after))

    assert (holiday.is_workday, holiday.planned) == (False, 0)
    assert catch_up.is_workday and catch_up.by_level == {"urge": 1}
