"""Personal expenses."""
