"""The documents offices hand in: the 整改情况报告, the 督办通知单 and the weekly summary.

Data functions (report_data, supervision) read the ledger once and compose every sentence;
renderers (render) turn that data into Markdown, HTML or Word (.docx through docxtpl).
"""
