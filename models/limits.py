"""How much the tracker accepts and waits: bounds that keep a hostile file or a busy database
from taking the machine, configurable in the `[limits]` table of rectify.toml.

The defaults fit a real ledger with room: Excel itself stops at 32,767 characters per cell,
and an office's 整改台账 has hundreds of rows, not hundreds of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    import_max_bytes: int = 50 * MB  # a ledger file (.xlsx/.xls/.csv) larger than this is refused
    import_max_rows: int = 200_000  # rows of the sheet, as it declares or as read
    import_max_columns: int = 200
    # Rows × columns of a sheet's extent: the spreadsheet library allocates all of it, and a
    # Python object per cell follows. Measured: 1 million text cells take 325 MB to read,
    # 2 million 570 MB, so 2 million (100,000 rows of 20 columns) stays well under 1 GB.
    import_max_cells: int = 2_000_000
    import_max_cell_chars: int = 32_767  # Excel's own limit per cell
    # Uncompressed size of one part of an .xlsx; a 4 KB file may unpack to gigabytes.
    import_max_unpacked_bytes: int = 300 * MB
    evidence_max_bytes: int = 200 * MB  # one 佐证材料 file
    database_busy_seconds: float = 10.0  # how long to wait for another writer before giving up

    @staticmethod
    def setting(name: str) -> str:
        """How a message names the setting a user can raise."""
        return f"配置文件 rectify.toml 的 [limits] {name}"
