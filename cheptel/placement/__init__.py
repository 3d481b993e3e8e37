"""Placement (read-only): the one compute host as a resource provider, its inventory and
usage. Horizon's Admin > Hypervisors panel reads it; nothing in cheptel schedules by it."""
