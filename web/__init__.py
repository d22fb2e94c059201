"""The web workspace: a thin front end over ledger/ (parse → one service call → render)."""
