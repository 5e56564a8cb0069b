"""The web console: a server-rendered backend-for-frontend over the five services' HTTP APIs."""
