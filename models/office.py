"""The office's own constants, defined once: its time zone and its name as a recipient.

Dates users see and type are Shanghai dates, whatever the server's zone; notices for the
office go to the Apprise tag `office` (the office configures its channels under that tag)
and are addressed to 整改办.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
OFFICE_TAG = "office"
OFFICE_NAME = "整改办"
