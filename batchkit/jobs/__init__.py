"""Jobs that chain the capabilities: run (`batchkit run`: build -> validate -> deliver -> archive) and
its settings ([run]).
"""

from batchkit.core.config import Key, Section, declare

# [run], read by settings.py; declared here so that it is known before any configuration is loaded
SECTION = declare(Section("run", {"inputs": Key((list,), "a list of globs"), "archive": Key((str,), "a path"),
                                  "preflight": Key((bool,), "true or false"),
                                  "results": Key((bool,), "true or false"),
                                  "fail_on_rejected": Key((bool,), "true or false"),
                                  "require_input": Key((bool,), "true or false")}))
