class AllocationError(ValueError):
    """The policy cannot be applied to these inputs; the message says which step and why."""
