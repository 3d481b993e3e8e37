"""Heat's typed errors: the error `type` of its fault body (heat/common/exception.py)
carried on the errors of cheptel.errors, so faults.py renders them as Heat does."""

from __future__ import annotations

from cheptel.errors import BadRequest, Conflict, NotFound


class InvalidTemplate(BadRequest):
    """A template, environment or parameter Heat refuses before doing anything."""

    heat_type = "StackValidationFailed"


class InvalidParameter(InvalidTemplate):
    pass


class RequestLimitExceeded(BadRequest):
    heat_type = "RequestLimitExceeded"

    def __init__(self, message: str):
        super().__init__(f"Request limit exceeded: {message}")


class StackNotFound(NotFound):
    heat_type = "EntityNotFound"

    def __init__(self, ref: str, what: str = "Stack"):
        super().__init__(f"The {what} ({ref}) could not be found.")


class StackExists(Conflict):
    heat_type = "StackExists"

    def __init__(self, name: str):
        super().__init__(f"The Stack ({name}) already exists.")


class ActionInProgress(Conflict):
    heat_type = "ActionInProgress"

    def __init__(self, name: str, action: str):
        super().__init__(f"Stack {name} already has an action ({action}) in progress.")


class ResourceFailure(Exception):
    """A resource's create/delete failed (its reason goes to the resource and the stack)."""
