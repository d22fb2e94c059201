"""The `rectify` command line. It sits on top: it may import ledger, notifications and
(lazily, for `serve`) flows; nothing imports it."""
