"""Bodies of scheduled jobs; app.py's @app.schedule handlers are one-liners calling these."""
