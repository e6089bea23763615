"""Views, one module per part of the product; each view is thin (see docs/architecture.md)."""
