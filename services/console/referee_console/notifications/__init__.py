"""The notification centre: what the services' events mean for whom, kept, pushed live, mailed and posted."""
