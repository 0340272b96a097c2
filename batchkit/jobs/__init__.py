"""Jobs that chain the capabilities: run (`batchkit run`: build -> validate -> deliver -> archive) and
its settings ([run]; declares the section).
"""
