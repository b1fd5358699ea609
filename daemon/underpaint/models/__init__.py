"""Model discovery (registry), offline loading (single files and diffusers folders) and the
in-memory cache of loaded pipelines."""
