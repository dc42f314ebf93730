"""``feedbot demo``: a bundled VNCPC-like site (``site/``) and the real service against it."""
