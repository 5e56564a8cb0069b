"""The disputes registration has heard of on disputes.events: a ruling moves a lock only if it matches one."""
