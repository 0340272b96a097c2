"""The sandbox's action inquiries (store), their resolution bodies (forms) and routes (routes)."""
