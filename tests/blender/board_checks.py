"""Board checks inside real Blender (issue 8): Send and Place through the board, and live links
(an image that follows a channel, also after the .blend is saved and reopened). Plain facts
only; test_blender_extension.py judges them."""
import os
import sys
import time

import bpy
import numpy as np

from extension_harness import PACKAGE, ScenarioHelpers


class BoardChecks(ScenarioHelpers):
    """The board panel's Send, Place and Follow, against the same live daemon."""

    def kit_daemon(self):
        kit = sys.modules[PACKAGE + ".underpaint_kit"]  # the extension's own kit, already imported
        return kit, kit.connect_daemon()

    def publish(self, channel, data, width, height, app="krita"):
        kit, daemon = self.kit_daemon()
        meta = kit.pb_board.BoardMeta(source_app=app, layer="test")
        return daemon.publish(channel, kit.requests.rgba_image(width, height, data), meta).version

    def check_board_send(self):
        self.new_image("send-me", fill=self.pattern())
        bpy.ops.underpaint.board_send(image_name="send-me", channel="blender-send")
        self.jobs.wait_tasks(60)
        board = sys.modules[PACKAGE + ".board"]
        _, daemon = self.kit_daemon()
        entry = daemon.fetch("blender-send")
        sent = self.images.read_rgba8(bpy.data.images["send-me"])
        message = board.last_message
        bpy.ops.underpaint.board_send(image_name="send-me", channel="no spaces allowed!")
        self.jobs.wait_tasks(60)
        return {"message": message, "bad_channel_message": board.last_message, "version": entry.version,
                "size": [entry.width, entry.height], "source_app": entry.meta.source_app,
                "layer": entry.meta.layer, "same_pixels": entry.image.data == sent}

    def check_board_place(self):
        data = np.random.default_rng(1).integers(0, 256, size=(48, 32, 4), dtype=np.uint8)
        data[..., 3] = 255
        version = self.publish("from-krita", data.tobytes(), 32, 48)
        before = set(bpy.data.images.keys())
        bpy.ops.underpaint.board_place(channel="from-krita")
        self.jobs.wait_tasks(60)
        new = sorted(set(bpy.data.images.keys()) - before)
        board = sys.modules[PACKAGE + ".board"]
        out = {"message": board.last_message, "published_version": version, "new_images": new}
        if new:
            image = bpy.data.images[new[0]]
            out["size"] = list(image.size)
            out["same_pixels"] = self.images.read_rgba8(image) == data.tobytes()
        return out

    def wait_for_version(self, name, version, timeout=30):
        deadline = time.monotonic() + timeout
        while int(bpy.data.images[name].get("underpaint_channel_version", 0)) < version:
            if time.monotonic() > deadline:
                return False
            if not self.jobs.drain():
                time.sleep(0.05)
        return True

    def check_board_follow(self):
        board = sys.modules[PACKAGE + ".board"]
        self.new_image("live", size=16)
        bpy.ops.underpaint.board_follow(image_name="live", channel="live-link")
        out = {"following": board.following()}
        rng = np.random.default_rng(2)
        for step, (width, height) in enumerate([(24, 24), (24, 16)], start=1):
            data = rng.integers(0, 256, size=(height, width, 4), dtype=np.uint8)
            data[..., 3] = 255
            version = self.publish("live-link", data.tobytes(), width, height)
            arrived = self.wait_for_version("live", version)
            image = bpy.data.images["live"]
            out[f"v{step}"] = {"arrived": arrived, "size": list(image.size),
                               "same_pixels": self.images.read_rgba8(image) == data.tobytes()}
        bpy.ops.underpaint.board_unfollow(image_name="live")
        out["following_after_unfollow"] = board.following()
        kept = self.images.read_rgba8(bpy.data.images["live"])
        other = rng.integers(0, 256, size=(24 * 24 * 4,), dtype=np.uint8).tobytes()
        self.publish("live-link", other, 24, 24)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            self.jobs.drain()
            time.sleep(0.05)
        out["unchanged_after_unfollow"] = self.images.read_rgba8(bpy.data.images["live"]) == kept
        out["message"] = board.last_message
        return out

    def check_board_follow_resumes_after_reopen(self):
        """Live links are saved with the .blend: reopening it follows the channel again."""
        import tempfile

        board = sys.modules[PACKAGE + ".board"]
        self.new_image("resume", size=16)
        bpy.ops.underpaint.board_follow(image_name="resume", channel="resume-link")
        path = os.path.join(tempfile.mkdtemp(), "live.blend")
        bpy.ops.wm.save_as_mainfile(filepath=path)
        bpy.ops.wm.read_homefile(use_empty=True)
        out = {"following_after_new_file": board.following()}
        bpy.ops.wm.open_mainfile(filepath=path)
        out["following_after_reopen"] = board.following()
        data = np.full((8, 8, 4), 200, dtype=np.uint8)
        version = self.publish("resume-link", data.tobytes(), 8, 8)
        out["arrived"] = self.wait_for_version("resume", version)
        out["same_pixels"] = self.images.read_rgba8(bpy.data.images["resume"]) == data.tobytes()
        bpy.ops.underpaint.board_unfollow(image_name="resume")
        self.settings = bpy.context.scene.underpaint  # a new file: new scene settings
        return out
