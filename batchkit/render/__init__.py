"""One Report, many formats: text (people), json (machines), ci (GitHub, JUnit, SARIF), annotate
(the XLSX report and issues CSV a finance user opens), escape (control characters made printable).
"""
