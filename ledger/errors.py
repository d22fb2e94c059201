"""Errors a user can act on. Each carries a Chinese message naming the field and value.

`field` names the input the error is about (the service's parameter name: "reason",
"deadline", "task_id"), so a front end can point at it: the command line maps it to its own
flag, a web form highlights the field. Messages never name a flag or a command.
"""

from __future__ import annotations


class RectifyError(Exception):
    """Base: a refused or invalid request (the command line exits 1)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        # The input field the message is about (a form shows it beside that field).
        self.field = field


class InvalidInputError(RectifyError):
    """A value the user gave cannot be used."""


class NotFoundError(RectifyError):
    """An id or name that does not exist."""


class ForbiddenError(RectifyError):
    """The actor may not do this."""


class LifecycleError(RectifyError):
    """The task's current status does not allow this step."""


class SchemaError(RectifyError):
    """The database is not initialised, or its schema is older than this program."""


class ConflictError(RectifyError):
    """Someone else changed the same record at the same time."""

    def __init__(
        self,
        message: str = "冲突:该任务刚被他人修改,本次操作未保存,请重新查看任务后再操作",
        *,
        field: str = "",
    ) -> None:
        super().__init__(message, field=field)


class OutputError(RectifyError):
    """A file could not be written (full disk, no permission, read-only disk); nothing was left behind."""

    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = path


class BusyError(RectifyError):
    """Another writer held the database longer than the configured wait; nothing was saved."""

    def __init__(
        self, message: str = "数据库正忙,请稍后重试(另一项操作正在写入,本次操作未保存)"
    ) -> None:
        super().__init__(message)
