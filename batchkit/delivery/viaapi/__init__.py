"""deliver --to api: batch records through impact.com's API, one request per record, exactly once.

plan (each validated record -> its PUT or DELETE, or a BK803 finding), book (the per-record ledger table),
destination (the ledger's name for an account's campaign), confirm (does the action show a change whose
answer was lost?), send (validate, plan, preview, deliver), run (the records sent one by one: lock, book, budget,
progress).
"""
