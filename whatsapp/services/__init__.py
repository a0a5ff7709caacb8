"""WhatsApp writes, one module per area (see each module's docstring)."""
