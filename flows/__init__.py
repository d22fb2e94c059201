"""When it happens: Prefect flows and their schedules, thin wrappers around tested functions.

This is the only package that imports Prefect.
"""
