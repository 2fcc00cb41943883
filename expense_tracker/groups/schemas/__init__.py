"""The groups blueprint's marshmallow schemas, one module per resource."""
