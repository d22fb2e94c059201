"""What a rectification is: tables, enums, pure rules, the working-day calendar.

This package imports nothing else of the project and nothing of Prefect.
"""
