"""The host plugins as a user gets them: built from their sources (build.py, vendor.py) and
installed where Krita, GIMP, Blender and Photoshop look for them (install.py, blender_install.py,
locations.py). sources.py says where the sources are: package data in an installed Underpaint,
plugins/ in a source checkout. The CLI is `underpaint plugins build|install` (cli.py)."""
