"""Running diffusion jobs: samplers, previews, seamless tiling and the generate entry point."""
