"""Registration's HTTP routes: leads and their lifecycle, the funnel, the evidence trail (the inbox has its own)."""
