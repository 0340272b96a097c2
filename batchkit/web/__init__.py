"""`batchkit serve`: the finance user's workbench in a browser, on 127.0.0.1 only (README "The workbench").

A thin presentation over the library (validation, builder, delivery, state, inquiries, verdicts): same
findings, same exactly-once journal. This package is the only importer of Starlette, Jinja2, uvicorn and
python-multipart; importing its face stays cheap (it only declares [serve]).
"""

from batchkit.core.config import Key, Section, declare

# [serve], read by settings.py; declared here so that it is known before any configuration is loaded
SECTION = declare(Section("serve", {"port": Key((int,), "a port number"),
                                    "max_upload_mb": Key((int,), "a whole number of megabytes"),
                                    "keep_days": Key((int,), "a whole number of days"),
                                    "destinations": Key((list,), "a list of destinations", strings=True)}))
# destinations: what the Deliver page offers besides [deliver] to and the API (folders, sftp://user@host/dir);
# the browser picks one by its place in the list, it never sends a path
