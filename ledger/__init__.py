"""What people do to the ledger: register, report, close, extend, list, import, export.

Every public service function takes `session=` and does not commit: the caller's unit of
work (ledger.uow.transaction) commits once, so one use case is one transaction.
"""
