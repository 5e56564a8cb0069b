"""The shared reviewer inbox: every workflow's human tasks in one place, completed by role."""
