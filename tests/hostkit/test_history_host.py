"""The kit's history and lexicon helpers as a built plugin runs them: `python -S` with only the
vendor folder (kit, its stubs with archive_pb2, pure-Python protobuf), against the test daemon."""

from __future__ import annotations

from hostkit_helpers import run_in_host_python


def test_history_list_place_again_and_styles_in_a_host_python(kit_vendor, daemon):
    env = dict(daemon.env)
    for key in ("UNDERPAINT_HTTP", "UNDERPAINT_SERVER", "UNDERPAINT_TOKEN"):
        env.pop(key, None)
    result = run_in_host_python(kit_vendor, """
        import uuid
        import underpaint_kit as kit
        from underpaint_kit import history, pb, pb_archive
        d = kit.connect_daemon()
        doc = "host-" + uuid.uuid4().hex[:8] + ".psd"
        d.call("underpaint.v1.Lexicon", "PutStyle", pb_archive.Style(name="host-ink", prompt="ink, {prompt}"),
               pb_archive.Style)
        req = pb.GenerateRequest(prompt="a kite", width=64, height=64, steps=2, seed=5)
        history.archive_options(history.apply_styles(req, ["host-ink"]), "photoshop", doc)
        outcome = kit.JobRunner(d, req).run()
        page = history.history_page(d, document=doc)
        entry = history.fetch_entry(d, page.entries[0].id)
        reuse = history.reuse_parameters(entry)
        print(json.dumps({"archived": [r.archive_id for r in outcome.results], "listed": [e.id for e in page.entries],
                          "host": entry.host, "bytes": len(entry.image.data), "prompt": reuse.prompt,
                          "seed": reuse.seed, "styles": [s.name for s in history.list_styles(d)],
                          "others": history.history_page(d, document=doc + "-other").total}))
    """, env=env, timeout=300)
    assert result["archived"] == result["listed"] and len(result["listed"]) == 1
    assert result["host"] == "photoshop" and result["bytes"] == 64 * 64 * 4
    assert result["prompt"] == "ink, a kite" and result["seed"] == 5
    assert "host-ink" in result["styles"] and result["others"] == 0
