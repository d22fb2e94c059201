"""Routers, one module per area, so pages of different areas are written side by side."""
