"""Generation checks inside real Blender: the extension registers, and its operators generate,
fill, refine and expand images, make a material, cancel, keep colours right, and refuse bad
input. Each check returns plain facts; test_blender_extension.py judges them."""
import time

import bpy
import numpy as np

from extension_harness import PACKAGE, SIZE, SYS_PATH_BEFORE_INSTALL, ScenarioHelpers


class GenerationChecks(ScenarioHelpers):
    """Job operators, images and colours; registered runs first, as it always has."""

    def check_registered(self):
        ops = [name for name in ("generate", "refine", "fill", "expand", "use_as_material", "cancel",
                                 "insert_lora", "insert_embedding", "faces")
               if hasattr(bpy.ops.underpaint, name)]
        panels = [name for name in dir(bpy.types) if name.startswith("UNDERPAINT_PT_")]
        prefs = bpy.context.preferences.addons[PACKAGE].preferences
        import os
        import sys

        import google.protobuf

        addon_dir = os.path.dirname(sys.modules[PACKAGE].__file__)
        return {"operators": ops, "panels": sorted(panels),
                "preferences": [p for p in ("address", "token_file") if hasattr(prefs, p)],
                "protobuf_file": google.protobuf.__file__,
                "kit_module": sys.modules[PACKAGE + ".jobs"].connect_daemon.__module__.rsplit(".", 1)[0],
                "sys_path_added": [p for p in sys.path if p not in SYS_PATH_BEFORE_INSTALL
                                   and p.startswith(addon_dir)]}

    def check_generate(self):
        s = self.settings
        s.seed, s.variations, s.seamless, s.target = 1234, 2, False, "NEW"
        before = set(bpy.data.images.keys())
        result, job = self.run_job(bpy.ops.underpaint.generate)
        out = self.job_summary(result, job)
        out["new_images"] = sorted(set(bpy.data.images.keys()) - before)
        out["details"] = []
        for name in job.images:
            image = bpy.data.images[name]
            pixels = self.floats(name)
            out["details"].append({"name": name, "size": list(image.size),
                                   "packed": image.packed_file is not None,
                                   "kept_on_save": image.use_fake_user,
                                   "std": float(pixels[..., :3].std()),
                                   "seed_prop": image.get("underpaint_seed", "")})
        s.variations = 1
        return out

    def check_lists_after_job(self):
        """The first job reaching the daemon fetched the model and sampler lists (no refresh
        click; headless Blender draws no panel, so this is the only trigger here)."""
        import sys

        status = sys.modules[PACKAGE + ".daemon_status"]
        self.jobs.wait_tasks()
        return {"state": status.state, "short": status.short, "details": list(status.details),
                "model_candidates": [list(c) for c in status.model_candidates()],
                "samplers": len(status.sampler_candidates()), "demo_note": status.demo_note("")}

    def check_seamless(self):
        s = self.settings
        s.target, s.variations = "NEW", 1
        out = {}
        for seamless in (False, True):
            ratios = []
            for seed in (11, 12):
                s.seed, s.seamless = seed, seamless
                result, job = self.run_job(bpy.ops.underpaint.generate)
                if job.state != "succeeded":
                    return {"state": job.state, "message": job.message}
                ratios.append(self.wrap_correlations(self.floats(job.images[0])))
            out["seamless" if seamless else "plain"] = ratios
        s.seamless = False
        return out

    def _fill(self, name, mask_source, target, mask=None):
        s = self.settings
        s.seed, s.mask_source, s.feather, s.grow = 5, mask_source, -1, 0
        s.mask_image = mask
        before = self.floats(name)
        result, job = self.run_job(bpy.ops.underpaint.fill, image_name=name)
        after = self.floats(name)
        out = self.job_summary(result, job)
        keep = ~target
        out["unmasked_max_diff"] = float(np.abs(after[keep] - before[keep]).max())
        out["masked_changed_fraction"] = float(
            (np.abs(after[target][:, :3] - before[target][:, :3]).max(axis=-1) > 1e-3).mean())
        out["masked_min_alpha"] = float(after[target][:, 3].min())
        out["size"] = list(bpy.data.images[name].size)
        return out

    def check_fill_alpha(self):
        picture = self.pattern()
        hole = np.zeros((SIZE, SIZE), dtype=bool)
        hole[20:44, 24:40] = True  # top-down rows 20..43, columns 24..39
        picture[hole, 3] = 0.0     # painted-out alpha
        self.new_image("fill-alpha", fill=picture)
        return self._fill("fill-alpha", "ALPHA", hole)

    def check_fill_mask_image(self):
        self.new_image("fill-masked", fill=self.pattern())
        region = np.zeros((SIZE, SIZE), dtype=bool)
        region[8:24, 30:56] = True
        mask = np.zeros((SIZE, SIZE, 4), dtype=np.float32)
        mask[..., 3] = 1.0
        mask[region, :3] = 1.0
        mask_image = self.new_image("fill-mask", fill=mask, colorspace="Non-Color")
        return self._fill("fill-masked", "IMAGE", region, mask_image)

    def check_fill_nothing(self):
        self.new_image("fill-nothing", fill=self.pattern())
        self.settings.mask_source = "ALPHA"
        try:
            bpy.ops.underpaint.fill(image_name="fill-nothing")
        except RuntimeError as error:
            return {"error_text": str(error)}
        return {"error_text": ""}

    def check_refine(self):
        s = self.settings
        s.seed, s.strength, s.refine_source = 9, 0.5, "ACTIVE"
        self.new_image("refine-me", fill=self.pattern())
        before = self.floats("refine-me")
        result, job = self.run_job(bpy.ops.underpaint.refine, image_name="refine-me")
        out = self.job_summary(result, job)
        out["size"] = list(bpy.data.images["refine-me"].size)
        out["mean_abs_change"] = float(np.abs(self.floats("refine-me") - before).mean())
        return out

    def check_refine_render(self):
        scene = bpy.context.scene
        scene.render.engine = "CYCLES"
        scene.cycles.samples = 1
        scene.render.resolution_x = scene.render.resolution_y = SIZE
        scene.render.resolution_percentage = 100
        try:
            bpy.ops.render.render()
        except RuntimeError as error:
            return {"skipped": f"cannot render here: {error}"}
        s = self.settings
        s.seed, s.strength, s.refine_source = 9, 0.5, "RENDER"
        result, job = self.run_job(bpy.ops.underpaint.refine)
        out = self.job_summary(result, job)
        if job.images:
            image = bpy.data.images[job.images[0]]
            out["size"] = list(image.size)
            out["packed"] = image.packed_file is not None
        s.refine_source = "ACTIVE"
        return out

    def check_expand(self):
        s = self.settings
        s.seed = 3
        s.expand_left, s.expand_top, s.expand_right, s.expand_bottom = 0, 0, 32, 0
        self.new_image("expand-me", fill=self.pattern())
        picture = self.floats("expand-me")  # as stored (8-bit)
        result, job = self.run_job(bpy.ops.underpaint.expand, image_name="expand-me")
        out = self.job_summary(result, job)
        after = self.floats("expand-me")
        out["size"] = list(bpy.data.images["expand-me"].size)
        # far from the new edge the old picture must survive
        out["left_half_max_diff"] = float(np.abs(after[:, :SIZE // 2] - picture[:, :SIZE // 2]).max())
        out["new_area_min_alpha"] = float(after[:, SIZE:, 3].min()) if after.shape[1] > SIZE else -1.0
        return out

    def check_material(self):
        image_name = next(n for n in bpy.data.images.keys() if n.startswith("weathered"))
        bpy.ops.mesh.primitive_cube_add()
        obj = bpy.context.view_layer.objects.active
        bpy.ops.underpaint.use_as_material(image_name=image_name)
        bpy.ops.underpaint.use_as_material(image_name=image_name)  # twice: reuses its node
        material = obj.active_material
        tree = material.node_tree
        bsdf = next(n for n in tree.nodes if n.type == "BSDF_PRINCIPLED")
        base = bsdf.inputs["Base Color"]
        source = base.links[0].from_node if base.is_linked else None
        return {"object": obj.name, "material": material.name,
                "linked_from": source.type if source else None,
                "linked_image": source.image.name if source is not None and source.image else None,
                "expected_image": image_name,
                "texture_nodes": sum(1 for n in tree.nodes if n.type == "TEX_IMAGE")}

    def check_cancel(self):
        s = self.settings
        s.seed, s.steps, s.target, s.variations = 21, 150, "ACTIVE", 1
        grey = np.full((SIZE, SIZE, 4), 0.25, dtype=np.float32)
        grey[..., 3] = 1.0
        self.new_image("cancel-target", fill=grey)
        grey = self.floats("cancel-target")  # as stored (8-bit)
        before_names = set(bpy.data.images.keys())
        bpy.ops.underpaint.generate(image_name="cancel-target")
        job = self.jobs.current
        deadline = time.monotonic() + 60
        while job.step < 1 and job.active and time.monotonic() < deadline:
            if not self.jobs.drain():
                time.sleep(0.02)
        step_at_cancel = job.step
        self.jobs.cancel()
        self.jobs.wait(job, 60)
        s.steps, s.target = 4, "NEW"
        after = self.floats("cancel-target")
        return {"state": job.state, "message": job.message, "step_at_cancel": step_at_cancel,
                "total": job.total, "step_at_end": job.step,
                "images": list(job.images),
                "new_images": sorted(set(bpy.data.images.keys()) - before_names),
                "target_max_diff": float(np.abs(after - grey).max())}

    def check_colour_roundtrip(self):
        """RGBA8 -> image -> RGBA8 for an sRGB byte image, a linear float image, a Non-Color one."""
        rng = np.random.default_rng(0)
        data = rng.integers(0, 256, size=(16, 16, 4), dtype=np.uint8)
        data[0, :16, 0] = np.arange(0, 256, 16)  # make sure dark and bright values are there
        data[1, :, 0] = np.arange(240, 256)
        encoded = data.astype(np.float64) / 255.0
        linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
        linear[..., 3] = encoded[..., 3]  # alpha is never colour-converted
        cases = {"srgb_byte": (False, None, encoded), "linear_float": (True, None, linear),
                 "noncolor_byte": (False, "Non-Color", encoded)}
        out = {}
        for name, (float_buffer, space, expected) in cases.items():
            image = bpy.data.images.new(name, 16, 16, alpha=True, float_buffer=float_buffer)
            if space:
                image.colorspace_settings.name = space
            self.images.write_rgba8(image, data.tobytes(), 16, 16)
            raw = np.empty(16 * 16 * 4, dtype=np.float32)
            image.pixels.foreach_get(raw)
            stored = raw.reshape(16, 16, 4)[::-1]  # Blender rows are bottom-up
            back = np.frombuffer(self.images.read_rgba8(image), dtype=np.uint8).reshape(16, 16, 4)
            out[name] = {"colorspace": image.colorspace_settings.name, "is_float": image.is_float,
                         "stored_max_error": float(np.abs(stored - expected).max()),
                         "roundtrip_max_diff": int(np.abs(back.astype(int) - data.astype(int)).max())}
        return out

    def check_generate_into_linear(self):
        """The same seed into an sRGB byte image and a linear float image reads back the same."""
        s = self.settings
        s.seed, s.target, s.seamless = 77, "ACTIVE", False
        self.new_image("into-srgb")
        self.new_image("into-linear", float_buffer=True)
        states = []
        for name in ("into-srgb", "into-linear"):
            result, job = self.run_job(bpy.ops.underpaint.generate, image_name=name)
            states.append(job.state)
        s.target = "NEW"
        a = np.frombuffer(self.images.read_rgba8(bpy.data.images["into-srgb"]), dtype=np.uint8)
        b = np.frombuffer(self.images.read_rgba8(bpy.data.images["into-linear"]), dtype=np.uint8)
        linear_raw = self.floats("into-linear")
        srgb_raw = self.floats("into-srgb")
        return {"states": states, "max_diff": int(np.abs(a.astype(int) - b.astype(int)).max()),
                "linear_is_float": bpy.data.images["into-linear"].is_float,
                # linear pixels must be darker in the mid-tones than the encoded ones
                "linear_mean": float(linear_raw[..., :3].mean()),
                "srgb_mean": float(srgb_raw[..., :3].mean())}

    def check_bad_size(self):
        s = self.settings
        s.width, s.target = 61, "NEW"
        try:
            result, job = self.run_job(bpy.ops.underpaint.generate)
        finally:
            s.width = SIZE
        return self.job_summary(result, job)

    def check_extras(self):
        """LoRA and embedding go into the prompt as text; a generation with them, the demo VAE and
        a face re-render runs as one job; the face buttons make a new image (none without a face)."""
        s = self.settings
        self.jobs.wait_tasks()
        old = (s.prompt, s.negative_prompt, s.seed, s.target)
        try:
            # The token counter: each committed prompt is read by the daemon in the background.
            tokens = __import__("sys").modules[PACKAGE + ".tokens"]
            s.prompt = "a (red:1.3) barn"
            self.jobs.wait_tasks()
            token_report = {"label": tokens.label, "details": list(tokens.details)}
            s.prompt, s.negative_prompt, s.seed, s.target = "a mossy stone", "", 11, "NEW"
            s.lora, s.lora_weight, s.embedding = "underpaint-demo-lora", 0.5, "underpaint-demo-embedding"
            bpy.ops.underpaint.insert_lora()
            bpy.ops.underpaint.insert_embedding(into="NEGATIVE")
            out = {"prompt": s.prompt, "negative": s.negative_prompt, "tokens": token_report}
            status = __import__("sys").modules[PACKAGE + ".daemon_status"]
            out["lora_candidates"] = [c[0] for c in status.addon_candidates("lora")]
            out["vae_candidates"] = [c[0] for c in status.addon_candidates("vae")]
            s.vae, s.rerender_faces = "underpaint-demo-vae", True
            result, job = self.run_job(bpy.ops.underpaint.generate)
            out["generate"] = self.job_summary(result, job)
            out["generate"]["images"] = list(job.images)
            steps = [step.WhichOneof("step") for step in job.request.finishing]
            out["generate"]["request"] = {"vae": job.request.vae, "finishing": steps}
            before = set(bpy.data.images.keys())
            result, job = self.run_job(bpy.ops.underpaint.faces, image_name=job.images[0], action="RERENDER")
            out["faces"] = self.job_summary(result, job)
            out["faces"]["new_images"] = sorted(set(bpy.data.images.keys()) - before)
        finally:
            s.prompt, s.negative_prompt, s.seed, s.target = old
            s.vae, s.rerender_faces, s.lora, s.embedding = "", False, "", ""
        return out

    def check_daemon_down(self):
        prefs = bpy.context.preferences.addons[PACKAGE].preferences
        old = prefs.address
        prefs.address = "127.0.0.1:9"
        try:
            result, job = self.run_job(bpy.ops.underpaint.generate)
        finally:
            prefs.address = old
        return self.job_summary(result, job)
