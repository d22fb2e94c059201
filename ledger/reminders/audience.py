"""Who hears about each rung of the ladder, and the grouping of due tasks into digests."""

from __future__ import annotations

from ledger.reminders.due import Digest, DueTask
from models.office import OFFICE_NAME, OFFICE_TAG
from models.reminders import Level

# Who hears about each rung (domain.md): the units and the person before the deadline,
# the units and the leader once overdue. A 督办 is addressed to the lead unit that must act
# (the 督办通知单 names it), with copies to the leader and the office.
AUDIENCE = {
    Level.remind: ("units", "person"),
    Level.ongoing: ("units", "person"),
    Level.urge: ("units", "leader"),
    Level.supervise: ("lead_unit", "leader", "office"),
}

# AUDIENCE as flags: (units, lead unit only, person, leader, office).
_HEARS = {
    level: tuple(who in audience for who in ("units", "lead_unit", "person", "leader", "office"))
    for level, audience in AUDIENCE.items()
}

# A digest's recipient is its addressee, or receives a copy of what went to the units.
ADDRESSEE, LEADER_COPY, OFFICE_COPY = "to", "leader_copy", "office_copy"


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
        units, lead_unit, person, leader, office = _HEARS[level]
        copies = level is Level.supervise  # the units receive the 督办, the others a copy
        tags: list[str] = []
        names: list[str] = []
        roles: list[str] = []
        if units or lead_unit:
            tags.append(lead_tags.get(task.task_id) or task.lead_unit)
            names.append(task.lead_unit)
            roles.append(ADDRESSEE)
        if units:
            for name, tag in co_units.get(task.task_id, ()):
                if (tag or name) not in tags:
                    tags.append(tag or name)
                    names.append(name)
                    roles.append(ADDRESSEE)
        if person and task.person:
            tag = user_tags.get(task.person) or task.person
            if tag not in tags:
                tags.append(tag)
                names.append(task.person)
                roles.append(ADDRESSEE)
        if leader and task.leader:
            tag = user_tags.get(task.leader) or task.leader
            if tag not in tags:
                tags.append(tag)
                names.append(task.leader)
                roles.append(LEADER_COPY if copies else ADDRESSEE)
        if office and OFFICE_TAG not in tags:
            tags.append(OFFICE_TAG)
            names.append(OFFICE_NAME)
            roles.append(OFFICE_COPY if copies else ADDRESSEE)
        for tag, name, role in zip(tags, names, roles, strict=True):
            digest = groups.get((level, tag))
            if digest is None:
                groups[(level, tag)] = Digest(level, tag, [name], [task], role)
                continue
            if name not in digest.names:
                digest.names.append(name)
            digest.tasks.append(task)
    # Addressees first: a 督办通知单 is linked to the first notice that lists its task, which
    # is then the lead unit's own.
    return sorted(groups.values(), key=lambda d: (d.level.value, d.role != ADDRESSEE, d.recipient))
