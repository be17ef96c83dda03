"""The pure evaluation engine: no I/O, no clock; the caller passes the cycle or date."""
