"""verdicts: the platform's verdict on what was delivered, `batchkit results` (README "Results: the platform's
verdict"). The verdicts and the built files' origins are kept by batchkit.state.verdicts.

reasons (impact.com's rejection reasons as data: schemas/platform_reasons.toml), targets (which deliveries to ask about),
drops (a file drop's FTPFileSubmission and its ErrorDetails), records (an API delivery's APISubmissions),
place (each ErrorDetail at its row: by Line, confirmed by OrderId/Sku), findings (BK801/BK802 and the
per-file tally), spend (the request budget), collect (polling within the budget, --wait, the report),
origins (a built file's export rows), run (results_for: one call from a configuration). This face stays
light (no httpx or pandas) and declares no batchkit.toml section: `batchkit run` reads [run].
"""
