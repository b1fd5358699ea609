"""Project onto mesh: an image generated from the camera's view, baked onto an object's UVs.

For every texel of the texture, its point on the surface comes from the UV layout (the triangle
whose UVs cover the texel centre, barycentric weights -> world position); that point is
projected through the camera that rendered the depth pass. The texel takes the image's colour
there only when the camera sees that point: its face turns towards the camera, and it is no
farther than what the depth pass saw at that pixel (nothing in front of it). Other texels keep
their value (transparent in a new texture), so a second projection from another view can fill
them. Pure numpy on Blender's mesh data: no extra dependency, no torch.

The plan (which texel sees which pixel) is made when the job starts, from the geometry and the
camera of that moment; the colours are applied when the image arrives.
"""
import numpy as np

from .scene_passes import BACKGROUND_DEPTH

MAX_SLOPE = 8.0  # grazing faces: the depth tolerance stops growing past this tangent
MARGIN = 2  # texels around UV islands that take their edge's colour (no seams when filtered)
_CHUNK = 1 << 21  # candidate texels tested at once (memory: ~100 bytes each)


class Plan:
    """texels: flat indices into a (height, width) texture, rows bottom-up (Blender's order);
    x, y: the matching points in the camera image (pixels, top-down, continuous)."""

    def __init__(self, size, texels, x, y, image_size, covered_mask):
        self.size = size              # (width, height) of the texture
        self.texels = texels
        self.x, self.y = x, y
        self.image_size = image_size  # (width, height) of the depth pass
        self.covered_mask = covered_mask  # (height, width) bool: texels some UV triangle covers

    @property
    def covered(self):
        return int(self.covered_mask.sum())

    @property
    def count(self):
        return int(self.texels.size)


def surface_texels(obj, depsgraph, size):
    """size = (width, height) of the texture. (texel indices, world positions, world face normals) of every texel whose centre lies in
    a UV triangle of the evaluated mesh (modifiers applied, as rendered)."""
    evaluated = obj.evaluated_get(depsgraph)
    mesh = evaluated.to_mesh()
    try:
        if not mesh.uv_layers:
            raise ValueError(f"'{obj.name}' has no UV map: unwrap it first (UV > Unwrap)")
        mesh.calc_loop_triangles()
        count = len(mesh.loop_triangles)
        tri_vertices = np.empty(count * 3, dtype=np.int64)
        tri_loops = np.empty(count * 3, dtype=np.int64)
        tri_normals = np.empty(count * 3, dtype=np.float64)
        mesh.loop_triangles.foreach_get("vertices", tri_vertices)
        mesh.loop_triangles.foreach_get("loops", tri_loops)
        mesh.loop_triangles.foreach_get("normal", tri_normals)
        positions = np.empty(len(mesh.vertices) * 3, dtype=np.float64)
        mesh.vertices.foreach_get("co", positions)
        uvs = np.empty(len(mesh.loops) * 2, dtype=np.float64)
        mesh.uv_layers.active.data.foreach_get("uv", uvs)
    finally:
        evaluated.to_mesh_clear()
    world = np.array(obj.matrix_world, dtype=np.float64)
    positions = positions.reshape(-1, 3) @ world[:3, :3].T + world[:3, 3]
    normal_matrix = np.linalg.inv(world[:3, :3]).T  # normals follow the inverse transpose
    tri_normals = tri_normals.reshape(-1, 3) @ normal_matrix.T
    tri_positions = positions[tri_vertices.reshape(-1, 3)]        # (n, 3 corners, xyz)
    tri_uvs = uvs.reshape(-1, 2)[tri_loops.reshape(-1, 3)] * np.asarray(size, dtype=np.float64)  # in texels
    return _rasterise(tri_uvs, tri_positions, tri_normals, size)


def _rasterise(tri_uvs, tri_positions, tri_normals, size):
    """Texel centres inside UV triangles, vectorised: triangles are grouped by the power-of-two
    square their UV bounding box fits in, and each group tests that square's texels at once
    (a Python loop per triangle took 9 s for 16k triangles)."""
    limit = np.asarray(size, dtype=np.int64)
    low = np.clip(np.floor(tri_uvs.min(axis=1)).astype(np.int64), 0, limit)   # (n, 2)
    high = np.clip(np.ceil(tri_uvs.max(axis=1)).astype(np.int64), 0, limit)
    ab, ac = tri_uvs[:, 1] - tri_uvs[:, 0], tri_uvs[:, 2] - tri_uvs[:, 0]
    area = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]
    extent = (high - low).max(axis=1)
    usable = (extent > 0) & (np.abs(area) > 1e-12)  # degenerate UV triangles cover no texel
    side = np.where(usable, 2 ** np.ceil(np.log2(np.maximum(extent, 1))).astype(np.int64), 0)
    texels, points, normals = [], [], []
    for square in np.unique(side[usable]):
        grid_v, grid_u = np.divmod(np.arange(square * square), square)
        members = np.flatnonzero(side == square)
        for chunk in np.array_split(members, max(1, members.size * square * square // _CHUNK)):
            cols = low[chunk, 0, None] + grid_u            # (m, square²)
            rows = low[chunk, 1, None] + grid_v
            du = cols + 0.5 - tri_uvs[chunk, 0, 0, None]
            dv = rows + 0.5 - tri_uvs[chunk, 0, 1, None]
            w1 = (du * ac[chunk, 1, None] - dv * ac[chunk, 0, None]) / area[chunk, None]
            w2 = (ab[chunk, 0, None] * dv - ab[chunk, 1, None] * du) / area[chunk, None]
            w0 = 1.0 - w1 - w2
            inside = ((w0 >= -1e-6) & (w1 >= -1e-6) & (w2 >= -1e-6)
                      & (cols < high[chunk, 0, None]) & (rows < high[chunk, 1, None]))
            triangle, _ = np.nonzero(inside)
            weights = np.stack([w0[inside], w1[inside], w2[inside]], axis=-1)
            texels.append(rows[inside] * size[0] + cols[inside])
            points.append(np.einsum("kc,kcx->kx", weights, tri_positions[chunk][triangle]))
            normals.append(tri_normals[chunk][triangle])
    if not texels:
        return np.empty(0, np.int64), np.empty((0, 3)), np.empty((0, 3))
    return np.concatenate(texels), np.concatenate(points), np.concatenate(normals)


def plan(obj, depsgraph, size, passes):
    """Which texels of a texture of size = (width, height) the camera of `passes` sees, and where."""
    size = (int(size[0]), int(size[1]))
    texels, points, normals = surface_texels(obj, depsgraph, size)
    covered = np.zeros(size[1] * size[0], dtype=bool)
    covered[texels] = True
    x, y, depth, visible = _project(points, normals, passes)
    return Plan(size, texels[visible], x[visible], y[visible], (passes.width, passes.height),
                covered.reshape(size[1], size[0]))


def _project(points, normals, passes):
    """Image coordinates (top-down pixels) and planar depth of world points, and whether the
    camera sees them (in frame, facing the camera, not behind what the depth pass saw)."""
    width, height = passes.width, passes.height
    to_camera = np.linalg.inv(passes.camera_world)
    camera_points = points @ to_camera[:3, :3].T + to_camera[:3, 3]
    clip = np.concatenate([camera_points, np.ones((len(points), 1))], axis=1) @ passes.projection.T
    w = np.where(np.abs(clip[:, 3]) > 1e-12, clip[:, 3], 1e-12)
    x = (clip[:, 0] / w + 1.0) * 0.5 * width
    y = (1.0 - clip[:, 1] / w) * 0.5 * height
    depth = -camera_points[:, 2]
    # facing: the face's normal points towards the camera (its position, or its axis when orthographic)
    camera_origin = passes.camera_world[:3, 3]
    towards = (np.broadcast_to(passes.camera_world[:3, 2], points.shape) if passes.is_ortho
               else camera_origin - points)
    towards = towards / np.maximum(np.linalg.norm(towards, axis=1, keepdims=True), 1e-12)
    lengths = np.maximum(np.linalg.norm(normals, axis=1), 1e-12)
    cosine = (normals * towards).sum(axis=1) / lengths
    visible = (depth > 0) & (x >= 0) & (x < width) & (y >= 0) & (y < height) & (cosine > 1e-3)
    col = np.clip(np.floor(x).astype(np.int64), 0, width - 1)
    row = np.clip(np.floor(y).astype(np.int64), 0, height - 1)
    seen = passes.depth[row, col]
    # tolerance: the surface's depth changes across a pixel by (pixel footprint) x tan(angle)
    footprint = _pixel_footprint(passes, depth)
    tangent = np.sqrt(np.maximum(1.0 - cosine ** 2, 0.0)) / np.maximum(cosine, 1.0 / MAX_SLOPE)
    tolerance = footprint * (1.0 + np.minimum(tangent, MAX_SLOPE)) + 1e-4 * np.abs(depth)
    visible &= (seen < BACKGROUND_DEPTH) & (depth <= seen + tolerance)
    return x, y, depth, visible


def _pixel_footprint(passes, depth):
    """Width of one pixel in scene units at `depth`."""
    scale_x = passes.projection[0, 0] * passes.width / 2.0  # pixels per unit at depth 1 (or per unit, ortho)
    if passes.is_ortho:
        return np.full(depth.shape, 1.0 / scale_x)
    return np.abs(depth) / scale_x


def apply(plan, image_floats, texture, margin=MARGIN):
    """Writes the image's colours (float RGBA, top-down, any size) into `texture` (float RGBA,
    (height, width, 4), rows bottom-up) at the planned texels, opaque, and `margin` texels beyond
    the islands' edges (only texels no UV triangle covers); the rest stays as it was."""
    height, width = image_floats.shape[:2]
    sx = width / plan.image_size[0]
    sy = height / plan.image_size[1]
    colours = _bilinear(image_floats, plan.x * sx - 0.5, plan.y * sy - 0.5)
    flat = texture.reshape(-1, 4)
    flat[plan.texels, :3] = colours[:, :3]
    flat[plan.texels, 3] = 1.0
    written = np.zeros(flat.shape[0], dtype=bool)
    written[plan.texels] = True
    _bleed(texture, written.reshape(texture.shape[:2]), ~plan.covered_mask, margin)
    return texture


def _bleed(texture, written, free, margin):
    """Grows what was written into free texels, one ring per step, each taking a written
    neighbour's colour (as Blender's bake margin does), so filtering across a seam finds colour."""
    for _ in range(margin):
        grown = written.copy()
        for dy, dx in ((0, -1), (0, 1), (-1, 0), (1, 0)):
            source = np.zeros_like(written)
            height, width = written.shape
            ys, yd = (slice(0, height - dy), slice(dy, height)) if dy >= 0 else (slice(-dy, height), slice(0, height + dy))
            xs, xd = (slice(0, width - dx), slice(dx, width)) if dx >= 0 else (slice(-dx, width), slice(0, width + dx))
            source[yd, xd] = written[ys, xs]           # the neighbour at (y - dy, x - dx) was written
            target = source & free & ~grown
            if target.any():
                shifted = np.zeros_like(texture)
                shifted[yd, xd] = texture[ys, xs]
                texture[target] = shifted[target]
                grown |= target
        written = grown


def _bilinear(image, x, y):
    height, width = image.shape[:2]
    x = np.clip(x, 0.0, width - 1.0)
    y = np.clip(y, 0.0, height - 1.0)
    x0 = np.floor(x).astype(np.int64)
    y0 = np.floor(y).astype(np.int64)
    x1, y1 = np.minimum(x0 + 1, width - 1), np.minimum(y0 + 1, height - 1)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
    bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
    return top * (1 - fy) + bottom * fy
