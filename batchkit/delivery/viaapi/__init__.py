"""deliver --to api: batch records through impact.com's API, one request per record, exactly once.

Each record's request and change come from delivery/plan.py and go through api/writes.py (the one write loop)
into the journal (state/journal.py). destination (the API as a Destination), confirm (does the action show a
change whose outcome is unknown?), send (validate, plan, preview, deliver), run (the records sent one by one:
lock, journal, budget, progress).
"""
