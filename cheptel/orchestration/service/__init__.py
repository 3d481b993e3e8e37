"""The orchestration domain: stacks (intent), the engine that converges them, and the
in-process client through which resources call the other services."""
