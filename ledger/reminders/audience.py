"""Who hears about each rung of the ladder, and the grouping of due tasks into digests."""

from __future__ import annotations

from ledger.reminders.due import Digest, DueTask
from models.reminders import Level

OFFICE_TAG = "office"
OFFICE_NAME = "整改办"

# Who hears about each rung (domain.md): the units and the person before the deadline,
# the units and the leader once overdue, the leader and the office for 督办.
AUDIENCE = {
    Level.remind: ("units", "person"),
    Level.ongoing: ("units", "person"),
    Level.urge: ("units", "leader"),
    Level.supervise: ("leader", "office"),
}

# AUDIENCE as flags: (units, person, leader, office).
_HEARS = {
    level: tuple(who in audience for who in ("units", "person", "leader", "office"))
    for level, audience in AUDIENCE.items()
}


def group_digests(
    due: list[DueTask],
    lead_tags: dict[int, str | None],
    co_units: dict[int, list[tuple[str, str | None]]],
    user_tags: dict[str, str],
) -> list[Digest]:
    """One digest per recipient and level; `due` comes most urgent first, and each digest
    keeps that order. A recipient is a tag (a unit's or user's own tag, else its name)."""
    groups: dict[tuple[Level, str], Digest] = {}
    for task in due:
        level = task.step.level
        units, person, leader, office = _HEARS[level]
        tags: list[str] = []
        names: list[str] = []
        if units:
            tags.append(lead_tags.get(task.task_id) or task.lead_unit)
            names.append(task.lead_unit)
            for name, tag in co_units.get(task.task_id, ()):
                if (tag or name) not in tags:
                    tags.append(tag or name)
                    names.append(name)
        if person and task.person:
            tag = user_tags.get(task.person) or task.person
            if tag not in tags:
                tags.append(tag)
                names.append(task.person)
        if leader and task.leader:
            tag = user_tags.get(task.leader) or task.leader
            if tag not in tags:
                tags.append(tag)
                names.append(task.leader)
        if office and OFFICE_TAG not in tags:
            tags.append(OFFICE_TAG)
            names.append(OFFICE_NAME)
        for tag, name in zip(tags, names, strict=True):
            digest = groups.get((level, tag))
            if digest is None:
                groups[(level, tag)] = Digest(level, tag, [name], [task])
                continue
            if name not in digest.names:
                digest.names.append(name)
            digest.tasks.append(task)
    return sorted(groups.values(), key=lambda d: (d.level.value, d.recipient))
