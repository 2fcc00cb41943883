"""Comments on a group's expenses: views, schemas, service."""
