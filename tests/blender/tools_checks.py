"""Image-tool checks inside real Blender: Upscale, Edit (no mask), Live texture,
History, styles and Interrogate, each driven through its operator against a live daemon (one
with the demo ESRGAN and a random CLIP model). Each check returns plain facts;
test_blender_tools.py judges them."""
import os

import bpy
import numpy as np

from extension_harness import SIZE
from keyframe_checks import KeyframeChecks, module

TOOL_OPERATORS = ("upscale", "edit_no_mask", "keyframes", "live_toggle", "live_apply", "history_refresh",
                  "history_load", "history_reuse", "apply_style", "interrogate")


class RecordingLayout:
    """Stands in for a panel's UILayout (headless Blender draws no panel): records the labels and
    operators drawn, and fails on a property or operator that does not exist, as Blender would
    print and skip."""

    def __init__(self, log):
        object.__setattr__(self, "log", log)

    def __setattr__(self, name, value):
        pass  # enabled, use_property_split, an operator's properties ...

    def __getattr__(self, method):
        def call(*args, **kwargs):
            if method == "label":
                self.log["labels"].append(kwargs.get("text", ""))
            elif method in ("prop", "template_ID"):
                data, name = args[0], args[1]
                if name not in data.bl_rna.properties:
                    raise AttributeError(f"layout.{method}: {type(data).__name__} has no property '{name}'")
            elif method == "operator":
                group, _, op = args[0].partition(".")
                if not hasattr(getattr(bpy.ops, group), op):
                    raise AttributeError(f"layout.operator: no operator '{args[0]}'")
                self.log["operators"].append(args[0])
            return RecordingLayout(self.log)
        return call


class DrawContext:
    """bpy.context as a sidebar sees it: headless Blender has no region and a UI scale of 0."""
    region = None
    preferences = type("Preferences", (), {"system": type("System", (), {"ui_scale": 1.0})})

    def __getattr__(self, name):
        return getattr(bpy.context, name)



class ToolChecks(KeyframeChecks):
    """Runs after KeyframeChecks (tools_scenario.py): the panels then show written frames."""

    # --- registration and the daemon's lists ------------------------------------------------

    def check_tools_registered(self):
        status = module("daemon_status")
        status.refresh((None, None))
        self.jobs.wait_tasks()
        return {"operators": [name for name in TOOL_OPERATORS if hasattr(bpy.ops.underpaint, name)],
                "panels": sorted(n for n in dir(bpy.types) if n.startswith("UNDERPAINT_PT_image_")),
                "upscalers": [c[0] for c in status.addon_candidates("upscaler")],
                "state": status.state}

    # --- upscale ------------------------------------------------------------------------------

    def check_upscale_new_image(self):
        self.new_image("up-net", fill=self.pattern())
        before = self.floats("up-net")
        self.tools.upscaler, self.tools.upscale_factor, self.tools.result_into = "esrgan-demo-x4", 2.0, "NEW"
        result, job = self.run_job(bpy.ops.underpaint.upscale, image_name="up-net")
        out = self.job_summary(result, job)
        out["sizes"] = {name: list(bpy.data.images[name].size) for name in job.images}
        out["original_size"] = list(bpy.data.images["up-net"].size)
        out["original_max_diff"] = float(np.abs(self.floats("up-net") - before).max())
        out["steps"] = [job.step, job.total]
        return out

    def check_upscale_replace_lanczos(self):
        picture = self.pattern()
        self.new_image("up-lanczos", fill=picture)
        stored = self.floats("up-lanczos")
        self.tools.upscaler, self.tools.upscale_factor, self.tools.result_into = "", 2.0, "REPLACE"
        result, job = self.run_job(bpy.ops.underpaint.upscale, image_name="up-lanczos")
        out = self.job_summary(result, job)
        after = self.floats("up-lanczos")
        out["size"] = list(bpy.data.images["up-lanczos"].size)
        # Lanczos x2 brought back down by 2x2 means is the picture again (a smooth one)
        down = after.reshape(SIZE, 2, SIZE, 2, 4).mean(axis=(1, 3))
        out["down_mean_abs_diff"] = float(np.abs(down - stored)[2:-2, 2:-2].mean())
        self.tools.result_into = "NEW"
        return out

    # --- edit without a mask ------------------------------------------------------------------

    def check_edit_no_mask(self):
        self.new_image("edit-me", fill=self.pattern())
        before = self.floats("edit-me")
        tools = self.tools
        tools.edit_from_prompt, tools.edit_to_prompt = "", "a blue wall"
        try:
            bpy.ops.underpaint.edit_no_mask(image_name="edit-me")
            missing = ""
        except RuntimeError as error:
            missing = str(error)
        tools.edit_from_prompt = "a red brick wall"
        result, job = self.run_job(bpy.ops.underpaint.edit_no_mask, image_name="edit-me")
        out = self.job_summary(result, job)
        out["missing_prompt_error"] = missing
        if job.images:
            made = self.floats(job.images[0])
            out["size"] = list(bpy.data.images[job.images[0]].size)
            out["std"] = float(made[..., :3].std())
        out["original_max_diff"] = float(np.abs(self.floats("edit-me") - before).max())
        return out

    # --- live texture -------------------------------------------------------------------------

    def check_live(self):
        live_texture = module("live_texture")
        live = live_texture.live
        painting = self.pattern()
        image = self.new_image("paint-me", fill=painting)
        image.pack()  # as if loaded: not dirty until painted
        self.tools.live_steps, self.tools.live_strength = 2, 0.6
        bpy.ops.underpaint.live_toggle(image_name="paint-me")
        self.jobs.wait_tasks()
        out = {"on": live.on, "session": live.session is not None, "status_after_connect": live.status}
        out["check_before_painting"] = live_texture.check()

        def stroke(x0):
            painting[10:20, x0:x0 + 10, :3] = (0.9, 0.1, 0.1)
            image.pixels.foreach_set(np.ascontiguousarray(painting[::-1]).reshape(-1))

        stroke(5)
        out["check_after_stroke"] = live_texture.check()
        out["check_again_without_change"] = live_texture.check()
        self.drain_until(lambda: live.results >= 1)
        result_image = bpy.data.images.get("paint-me (live)")
        out["live_image"] = None if result_image is None else list(result_image.size)
        first = self.floats("paint-me (live)")
        out["live_vs_painting"] = float(np.abs(first - self.floats("paint-me")).mean())
        stroke(40)
        out["check_after_second_stroke"] = live_texture.check()
        self.drain_until(lambda: live.results >= 2)
        second = self.floats("paint-me (live)")
        out["second_vs_first"] = float(np.abs(second - first).max())
        out["sent"] = live.session.sent
        out["apply"] = sorted(bpy.ops.underpaint.live_apply())
        out["applied_max_diff"] = float(np.abs(self.floats("paint-me") - second).max())
        out["check_after_apply"] = live_texture.check()
        bpy.ops.underpaint.live_toggle()
        out["on_after_off"] = live.on
        out["session_after_off"] = live.session is not None
        return out

    # --- history, styles, interrogate ---------------------------------------------------------

    def check_history(self):
        s = self.settings
        s.seed, s.steps, s.target, s.variations = 4321, 3, "NEW", 1
        s.prompt = "an unsaved lighthouse"  # made before the .blend has a name: not "this file's"
        self.run_job(bpy.ops.underpaint.generate)
        bpy.ops.wm.save_as_mainfile(filepath=os.path.join(self.work, "tools.blend"))
        s.prompt = "a history probe lighthouse"
        result, job = self.run_job(bpy.ops.underpaint.generate)
        made = job.images[0]
        history_panel = module("history_panel")
        state = history_panel.state
        self.tools.history_text = "lighthouse"
        bpy.ops.underpaint.history_refresh()
        self.jobs.wait_tasks()
        out = {"generate": job.state, "message": state.message, "count": len(state.entries)}
        entry = state.entries[0]
        out["first_prompt"] = entry.parameters.prompt
        out["first_host"], out["first_document"] = entry.host, entry.document
        self.tools.history_all_hosts = True
        bpy.ops.underpaint.history_refresh()
        self.jobs.wait_tasks()
        out["all_prompts"] = [e.parameters.prompt for e in state.entries]
        self.tools.history_all_hosts = False
        bpy.ops.underpaint.history_refresh()
        self.jobs.wait_tasks()
        icon = history_panel._previews[entry.id] if history_panel._previews and entry.id in history_panel._previews else None
        out["thumbnail"] = None
        if icon is not None:  # icon_id stays 0 without a UI; the preview's pixels are decoded all the same
            pixels = np.array(icon.image_pixels_float[:], dtype=np.float32)
            out["thumbnail"] = {"size": list(icon.image_size), "std": float(pixels.reshape(-1, 4)[:, :3].std()),
                                "webp_bytes": len(entry.thumbnail.data)}
        # Reuse parameters: the panel's settings become the entry's
        s.prompt, s.seed, s.steps = "something else", 1, 9
        out["reuse"] = sorted(bpy.ops.underpaint.history_reuse(entry_id=entry.id))
        out["after_reuse"] = {"prompt": s.prompt, "seed": s.seed, "steps": s.steps}
        # Load again: the full image into a new image, the same pixels as the one generated
        before = set(bpy.data.images.keys())
        bpy.ops.underpaint.history_load(entry_id=entry.id)
        self.jobs.wait_tasks()
        loaded = sorted(set(bpy.data.images.keys()) - before)
        out["loaded"] = loaded
        if loaded:
            out["loaded_vs_generated"] = float(np.abs(self.floats(loaded[0]) - self.floats(made)).max())
            out["loaded_archive_id"] = bpy.data.images[loaded[0]].get("underpaint_archive_id")
        out["entry_id"] = entry.id
        try:
            bpy.ops.underpaint.history_reuse(entry_id="no-such-entry")
            out["unknown_entry_error"] = ""
        except RuntimeError as error:
            out["unknown_entry_error"] = str(error)
        self.tools.history_text = ""
        s.steps = 4
        return out

    def check_styles(self):
        from bl_ext.user_default.underpaint_blender.underpaint_kit import pb_archive

        daemon = self.jobs.connect((None, None))
        daemon.call("underpaint.v1.Lexicon", "PutStyle",
                    pb_archive.Style(name="noir", prompt="film noir, high contrast"), pb_archive.Style)
        bpy.ops.underpaint.history_refresh()
        self.jobs.wait_tasks()
        tool_settings = module("tool_settings")
        out = {"candidates": [c[0] for c in tool_settings._style_candidates()]}
        s = self.settings
        s.prompt, s.seed = "a harbour at dusk", 8
        self.tools.style = "noir"
        bpy.ops.underpaint.apply_style()
        bpy.ops.underpaint.apply_style()  # twice: added once
        out["prompt"] = s.prompt
        result, job = self.run_job(bpy.ops.underpaint.generate)
        out["generate"] = job.state
        out["infotext"] = bpy.data.images[job.images[0]].get("underpaint_parameters", "") if job.images else ""
        return out

    def check_interrogate(self):
        self.new_image("ask-me", fill=self.pattern())
        self.settings.prompt = "to be replaced"
        bpy.ops.underpaint.interrogate(image_name="ask-me")
        self.jobs.wait_tasks()
        return {"prompt": self.settings.prompt, "message": module("history_panel").state.message}

    # --- the panels -------------------------------------------------------------------------

    def _draw(self, cls):
        panels = module("tools_panels")
        log = {"labels": [], "operators": []}
        fake = type("Drawn", (panels._ToolPanel,), {"capability": cls.capability})()
        fake.layout = RecordingLayout(log)
        cls.draw(fake, DrawContext())
        return log

    def check_panels_draw(self):
        """Runs after the checks above: the panels draw their state (written frames, history)."""
        panels = module("tools_panels")
        out = {cls.__name__: self._draw(cls) for cls in panels.CLASSES}
        status = module("daemon_status")
        saved = list(status.capabilities)
        status.capabilities = []
        out["too_old"] = {cls.__name__: self._draw(cls)["labels"] for cls in panels.CLASSES}
        status.capabilities = saved
        return out

    # --- an old daemon ------------------------------------------------------------------------

    def check_daemon_too_old(self):
        status = module("daemon_status")
        saved = list(status.capabilities)
        status.state = "ok"
        status.capabilities = [c for c in saved if c not in ("upscale", "noise")]
        self.new_image("old-daemon", fill=self.pattern())
        self.tools.edit_from_prompt, self.tools.edit_to_prompt = "a", "b"
        self.tools.keyframes_source = "FOLDER"
        out, before = {}, self.jobs.current
        for name, op in (("upscale", bpy.ops.underpaint.upscale), ("edit", bpy.ops.underpaint.edit_no_mask),
                         ("keyframes", bpy.ops.underpaint.keyframes)):
            try:
                op(image_name="old-daemon") if name != "keyframes" else op()
                out[name] = ""
            except RuntimeError as error:
                out[name] = str(error)
        out["job_started"] = self.jobs.current is not before
        status.capabilities = saved
        # Live and history ask GetInfo themselves once connected: a daemon whose GetInfo lacks
        # the capabilities (the real one, its answer trimmed) is called too old too.
        jobs, real_connect = self.jobs, self.jobs.connect

        def old_daemon(connection):
            daemon = real_connect(connection)
            kept = [c for c in daemon.info.capabilities if c not in ("live", "history")]
            del daemon.info.capabilities[:]
            daemon.info.capabilities.extend(kept)
            return daemon

        jobs.connect = old_daemon
        try:
            bpy.ops.underpaint.live_toggle(image_name="old-daemon")
            bpy.ops.underpaint.history_refresh()
            self.jobs.wait_tasks()
        finally:
            jobs.connect = real_connect
        out["live_status"] = module("live_texture").live.status
        out["live_on"] = module("live_texture").live.on
        out["history_message"] = module("history_panel").state.message
        return out

    # --- last: it loads another file ----------------------------------------------------------

    def check_live_ends_when_another_file_opens(self):
        live = module("live_texture").live
        self.new_image("paint-then-leave", fill=self.pattern())
        bpy.ops.underpaint.live_toggle(image_name="paint-then-leave")
        self.jobs.wait_tasks()
        on_before = live.on and live.session is not None
        session = live.session
        bpy.ops.wm.read_homefile(use_empty=True)
        return {"on_before": on_before, "on_after": live.on, "session_after": live.session is not None,
                "old_session_closed": bool(session is not None and session._closed), "status": live.status}
