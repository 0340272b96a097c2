"""A faithful local impact.com Brand REST API (SPEC §5) for tests and for trying batchkit without an account.

    from batchkit.sandbox import Sandbox
    with Sandbox(auth_token="tok", rate=(5, 60.0)) as sb:
        sb.url                      # http://127.0.0.1:PORT
        sb.faults.truncate()        # the next answer stops mid-body
        sb.settle()                 # apply every queued PUT/DELETE (and dropped file) now
        sb.faults.fail_after_apply(502)  # the next write applies, then its answer is a 502
        sb.applied_count("1000.4636.158201")  # how many writes the server applied to that action
        sb.inquiries.get("500006")  # an action inquiry as GET ActionInquiries/{Id} gives it
    Sandbox(auth_token="tok", drop=Path("drop"))  # files put in drop/ become FTPFileSubmissions

Built on the standard library's `http.server.ThreadingHTTPServer`, not a web framework: the sandbox
has full control over the raw bytes it sends, so tests can get truncated bodies, XML answers and
closed connections, and there is nothing to install. It binds 127.0.0.1 only, and imports nothing
but the standard library and batchkit.core.

Rooms (subpackages, by what they serve); sandbox.py (Sandbox) stays at the top:
  http/      server (sockets, Request log), app (auth, budget, faults, then routes), routes (the resources),
             render (JSON/XML bodies, the pagination envelope), query (GET /Actions parameters and
             selection, page parameters), ratelimit
  actions/   model (an action's fields and their rendering), store (indexed actions), make (actions from
             text values), changes (how a change finds its action and applies, the reasons), forms
             (PUT/DELETE bodies), submissions (queued API changes), seed (the seed folder), synth
             (synthetic volume)
  inquiries/ store (the action inquiries), forms (PUT ActionInquiries bodies), routes (GET/PUT
             ActionInquiries: the list's filters, resolutions and the actions they create)
  ftp/       drop (the watched drop folder), submissions (FTP file submissions and their ErrorDetails),
             read (a dropped file's kind and records), records (its records as changes), routes (GET
             FTPFileSubmissions...)
  faults/    faults (what tests arm), applied (the writes the server applied; how an applied write is
             answered), hostile (the hostile answers' bodies, made as they are sent)
"""

from __future__ import annotations

from batchkit.sandbox.actions.seed import load_account, seed_dir
from batchkit.sandbox.actions.store import Store
from batchkit.sandbox.faults.applied import AppliedWrite
from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.http.server import Request
from batchkit.sandbox.sandbox import Sandbox

__all__ = ["AppliedWrite", "Faults", "Request", "Sandbox", "Store", "load_account", "seed_dir"]
