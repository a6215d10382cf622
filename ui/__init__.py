"""Small helpers behind the Streamlit page (``app.py``): pure display data and run sessions."""
