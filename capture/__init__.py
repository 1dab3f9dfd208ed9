"""The capture pipeline: pure stages from uploaded bytes to OCR lines (and, later, invoice fields).

Nothing in this package touches a database, a web framework or environment variables; configuration
arrives as frozen objects built at the edge (api/).
"""
