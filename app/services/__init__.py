"""The rules of the product: one module per resource, no FastAPI, never a commit."""
