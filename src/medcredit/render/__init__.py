"""Rendering results: the medcredit.trace/1 JSON format and readable text in zh and en."""
