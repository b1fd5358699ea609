"""The host kit against a real daemon through the HTTP gateway, run exactly as a host runs it:
`python -S` with only the built vendor folder on sys.path (no site packages, no numpy)."""

from __future__ import annotations

import socket

import pytest

from hostkit_helpers import run_in_host_python


@pytest.fixture
def host_env(daemon):
    """The environment of a host process on this machine: it finds the test daemon through
    the daemon.json in its (isolated) user config dir, not through an address."""
    env = dict(daemon.env)
    for key in ("UNDERPAINT_HTTP", "UNDERPAINT_SERVER", "UNDERPAINT_TOKEN"):
        env.pop(key, None)
    return env


def test_discovery_info_models_and_samplers(kit_vendor, host_env, daemon):
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit as kit
        d = kit.connect_daemon()
        models = d.models()
        print(json.dumps({"address": d.address, "major": d.info.protocol_major,
                          "version": d.info.daemon_version,
                          "models": [(m.id, m.is_demo, m.native_width) for m in models],
                          "samplers": [s.id for s in d.samplers()]}))
    """, env=host_env)
    assert result["address"] == daemon.http
    assert result["major"] == 1 and result["version"]
    assert result["models"] and all(is_demo for _, is_demo, _ in result["models"])
    assert result["samplers"]


def test_txt2img_job_followed_by_long_poll(kit_vendor, host_env):
    result = run_in_host_python(kit_vendor, """
        import threading
        import underpaint_kit as kit
        d = kit.connect_daemon()
        seen = {"queued": [], "started": 0, "progress": [], "results": [], "finished": [],
                "threads": set()}
        def note(kind, value=None):
            seen["threads"].add(threading.current_thread().name)
            if kind == "started":
                seen["started"] += 1
            else:
                seen[kind].append(value)
        req = kit.requests.generate_request(prompt="a red fox", width=64, height=64, steps=3,
                                            seed=1234, count=2, previews=True, client="hostkit test")
        runner = kit.JobRunner(d, req,
            on_queued=lambda p: note("queued", p),
            on_started=lambda: note("started"),
            on_progress=lambda step, total, preview: note("progress", [step, total,
                None if preview is None else [preview.width, preview.height, len(preview.data)]]),
            on_result=lambda r: note("results", [r.seed, r.image.width, r.image.height,
                                                 r.image.format, len(r.image.data)]),
            on_finished=lambda o: note("finished", o.status))
        runner.start()
        outcome = runner.wait(timeout=300)
        print(json.dumps({"status": outcome.status, "message": outcome.message,
                          "n_results": len(outcome.results), "seed": outcome.seed,
                          "job_id": outcome.job_id, "queued": seen["queued"],
                          "started": seen["started"], "progress": seen["progress"],
                          "results": seen["results"], "finished": seen["finished"],
                          "threads": sorted(seen["threads"]),
                          "main": threading.current_thread().name}))
    """, env=host_env)
    assert result["status"] == "succeeded", result["message"]
    assert result["job_id"] and result["seed"] == 1234
    assert result["queued"] and result["started"] == 1
    assert result["finished"] == ["succeeded"]
    assert result["threads"] == ["underpaint-job"]  # callbacks never fire on the caller's thread
    steps = [step for step, _, _ in result["progress"]]
    assert steps == sorted(steps) and steps[-1] == result["progress"][-1][1]
    assert any(preview and preview[2] == preview[0] * preview[1] * 4
               for _, _, preview in result["progress"])
    assert result["n_results"] == 2
    assert result["results"] == [[1234, 64, 64, 1, 64 * 64 * 4], [1235, 64, 64, 1, 64 * 64 * 4]]


def test_cancelling_one_job_leaves_the_other_running(kit_vendor, host_env):
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit as kit
        d = kit.connect_daemon()
        long = kit.requests.generate_request(prompt="long", width=64, height=64, steps=150,
                                             count=8, seed=1, previews=False)
        short = kit.requests.generate_request(prompt="short", width=64, height=64, steps=2,
                                              seed=2, previews=False)
        holder = {}
        def cancel_on_first_step(step, total, preview):
            if step >= 1 and "cancelled" not in holder:
                holder["cancelled"] = step
                holder["long"].cancel()
        holder["long"] = kit.JobRunner(d, long, on_progress=cancel_on_first_step).start()
        other = kit.JobRunner(d, short).start()
        a = holder["long"].wait(timeout=300)
        b = other.wait(timeout=300)
        print(json.dumps({"a": [a.status, len(a.results), a.message],
                          "b": [b.status, len(b.results)], "at": holder.get("cancelled")}))
    """, env=host_env)
    assert result["at"] is not None, result["a"]
    assert result["a"][:2] == ["cancelled", 0]
    assert result["b"] == ["succeeded", 1]


def test_bad_request_is_rejected_naming_the_field(kit_vendor, host_env):
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit as kit
        d = kit.connect_daemon()
        bad = kit.requests.generate_request(prompt="x", width=64, height=64, steps=2, seed=-7)
        try:
            d.submit(bad)
            direct = None
        except kit.RequestRejected as e:
            direct = [e.code, str(e), isinstance(e, kit.UnderpaintError)]
        outcome = kit.JobRunner(d, bad).run()
        try:
            d.poll("no-such-job", 0, 0)
            unknown = None
        except kit.RequestRejected as e:
            unknown = [e.code, e.message]
        print(json.dumps({"direct": direct, "runner": [outcome.status, outcome.message],
                          "unknown": unknown}))
    """, env=host_env)
    code, message, is_base = result["direct"]
    assert code == "invalid_argument" and message.startswith("seed") and is_base
    assert result["runner"][0] == "failed" and result["runner"][1].startswith("seed")
    assert result["unknown"][0] == "not_found" and "no-such-job" in result["unknown"][1]


def test_canvas_fill_result_lands_on_the_selection(kit_vendor, host_env):
    result = run_in_host_python(kit_vendor, """
        import underpaint_kit as kit
        from underpaint_kit import pixels
        d = kit.connect_daemon()
        W, H = 128, 96
        # Krita hands us BGRA: a blue document (B=255) must arrive as blue RGBA.
        bgra = bytes([255, 0, 0, 255]) * (W * H)
        sel_rect = (48, 40, 16, 16)
        rect = kit.requests.context_rect((W, H), sel_rect)
        req = kit.requests.canvas_request("fill", (W, H), pixels.bgra_to_rgba(bgra), (0, 0, W, H),
                                          bytes([255]) * 256, sel_rect, prompt="a cat", steps=2,
                                          seed=5, client="hostkit test")
        outcome = kit.JobRunner(d, req).run()
        r = outcome.results[0]
        alpha = pixels.rgba_to_gray_alpha(r.image.data)
        def a(x, y):  # alpha at document pixel (x, y)
            return alpha[(y - r.y) * r.image.width + (x - r.x)]
        print(json.dumps({"status": outcome.status, "message": outcome.message, "rect": rect,
                          "place": [r.x, r.y, r.image.width, r.image.height],
                          "inside": a(56, 48),
                          "corner": a(r.x, r.y) if (r.x, r.y) != (48, 40) else None}))
    """, env=host_env)
    assert result["status"] == "succeeded", result["message"]
    assert result["rect"] == [0, 0, 128, 96]  # small document: read all of it
    x, y, w, h = result["place"]
    assert x <= 48 and y <= 40 and x + w >= 64 and y + h >= 56  # covers the selection
    assert 0 <= x and 0 <= y and x + w <= 128 and y + h <= 96   # inside the document
    assert result["inside"] == 255
    if result["corner"] is not None:
        assert result["corner"] == 0  # outside the selection stays transparent


def test_dead_port_gives_the_artist_message(kit_vendor, host_env):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_in_host_python(kit_vendor, f"""
        import underpaint_kit as kit
        try:
            kit.connect_daemon("127.0.0.1:{port}")
            error = None
        except kit.DaemonNotRunning as e:
            error = [str(e), isinstance(e, kit.UnderpaintError)]
        print(json.dumps({{"error": error}}))
    """, env=host_env)
    assert result["error"] == [f"The Underpaint daemon is not running at 127.0.0.1:{port}. "
                               "Start it with: underpaint serve", True]


def test_board_long_poll_sees_a_publication(kit_vendor, host_env):
    result = run_in_host_python(kit_vendor, """
        import threading, time
        import underpaint_kit as kit
        d = kit.connect_daemon()
        start = d.poll_board(["hostkit/poll"], 0, 0).cursor
        poll_returned, seen_at_publish = threading.Event(), []
        def publish_soon():
            time.sleep(0.5)  # give the poll time to start waiting (not asserted)
            seen_at_publish.append(poll_returned.is_set())
            image = kit.requests.rgba_image(2, 1, bytes([1, 2, 3, 255, 4, 5, 6, 128]))
            d.publish("hostkit/poll", image, kit.pb_board.BoardMeta(source_app="krita", note="hi"))
        publisher = threading.Thread(target=publish_soon)
        publisher.start()
        got = d.poll_board(["hostkit/poll"], start, 20000)
        poll_returned.set()
        publisher.join()
        entry = d.fetch("hostkit/poll")
        names = [c.name for c in d.list_channels()]
        deleted = d.delete_channel("hostkit/poll")
        print(json.dumps({"updates": [[u.entry.channel, u.entry.meta.note] for u in got.updates],
                          "poll_returned_before_publish": seen_at_publish[0],
                          "data": list(entry.image.data), "names": names, "deleted": deleted}))
    """, env=host_env)
    # The poll was still open when the publication came, and that publication is what it answered.
    assert result["poll_returned_before_publish"] is False
    assert result["updates"] == [["hostkit/poll", "hi"]]
    assert result["data"] == [1, 2, 3, 255, 4, 5, 6, 128]
    assert "hostkit/poll" in result["names"] and result["deleted"] == 1


@pytest.mark.slow
def test_8k_canvas_round_trips_through_the_board(kit_vendor, host_env):
    result = run_in_host_python(kit_vendor, """
        import hashlib, time
        import underpaint_kit as kit
        d = kit.connect_daemon(timeout=120)
        N = 8192
        row = bytes(range(256)) * (N * 4 // 256)
        data = b"".join(row[y % 251:] + row[:y % 251] for y in range(N))  # every row differs
        sent = hashlib.sha256(data).hexdigest()
        t0 = time.monotonic()
        entry = d.publish("hostkit/8k", kit.requests.rgba_image(N, N, data))
        del data
        t1 = time.monotonic()
        back = d.fetch("hostkit/8k")
        t2 = time.monotonic()
        got = hashlib.sha256(back.image.data).hexdigest()
        d.delete_channel("hostkit/8k")
        print(json.dumps({"same": sent == got, "size": [back.image.width, back.image.height],
                          "bytes": len(back.image.data), "publish_s": t1 - t0,
                          "fetch_s": t2 - t1}))
    """, env=host_env, timeout=600)
    print(f"8k round trip: publish {result['publish_s']:.1f} s, fetch {result['fetch_s']:.1f} s")
    assert result["size"] == [8192, 8192] and result["bytes"] == 8192 * 8192 * 4
    assert result["same"]
