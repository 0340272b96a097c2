"""Files in and out: read (CSV bytes -> a text-only Table with structural findings), xlsx (openpyxl
reading), records (every record as written, for fix and the reports), write (atomic writes).
"""
