"""SQLAlchemy 2 async helpers: engines, sessions, migrations, and the messaging tables every service has."""
