"""Orchestration (Heat v1): stacks of other services' resources, from HOT templates."""
