"""A picture passed between real Krita and real Blender through the daemon's board."""
