"""Errors a user can act on. Each carries a Chinese message naming the field and value."""

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


class ConflictError(RectifyError):
    """Someone else changed the same record at the same time."""

    def __init__(
        self,
        message: str = "冲突:该任务刚被他人修改,本次操作未保存,请重新查看(rectify task show)后再操作",
    ) -> None:
        super().__init__(message)


class OutputError(RectifyError):
    """A file could not be written (full disk, no permission, read-only disk); nothing was left behind."""

    def __init__(self, message: str, *, path: object = None) -> None:
        super().__init__(message)
        self.path = path
