"""Subject histories: the shared record vocabulary (catalogue), the typed models, identifier checks and readers."""
