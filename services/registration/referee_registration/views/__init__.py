"""Registration's read side: the evidence trail and the funnel as read models, and their text rendering."""
