"""A chatbot for Vietnam's Community Digital Technology Teams (Tổ công nghệ số cộng đồng)."""

__version__ = "0.1.0"
