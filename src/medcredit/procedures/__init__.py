"""Procedures around a grade: deadlines, standing on a date, credit-report validity and the query log."""
