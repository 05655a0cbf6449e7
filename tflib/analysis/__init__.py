"""Per-dimension page data: pre-aggregated frames, finished charts and data-built sentences.

One module per report dimension (progress, logistics, sme, corridors, digital, overview,
impact). Each takes a `tflib.page.Context` and returns what its notebook shows, so that the
notebooks only load, chart and narrate, and tests reach every number.
"""
