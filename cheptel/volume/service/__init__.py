"""The volume domain logic: no HTTP."""
