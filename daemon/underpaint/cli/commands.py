"""What each `underpaint` subcommand does. Heavy imports (torch) stay inside the commands."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from ..client import Client, ClientError
from ..v1 import underpaint_pb2 as pb
from .job_end import exit_code, failure


def serve(args) -> int:
    from ..config import DaemonConfig, data_dir
    from ..server import serve as run

    from ..cluster.connect import ClusterError
    from ..cluster.options import cluster_options_from

    try:
        cluster = cluster_options_from(args)
    except ValueError as exc:
        print(f"underpaint serve: {exc}", file=sys.stderr)
        return 2
    base = args.data_dir or data_dir()
    cfg = DaemonConfig(cluster=cluster, host=args.host, port=args.port, http_port=args.http_port,
                       models_dir=args.models or base / "models", data_dir=base,
                       allow_pickle=args.allow_pickle, board_budget_bytes=args.board_budget_mb * 1024**2,
                       max_queue=args.max_queue,
                       allow_hosts=args.allow_host, allow_origins=args.allow_origin,
                       tls=args.tls, tls_cert=args.tls_cert, tls_key=args.tls_key,
                       archive=not args.no_archive, archive_budget_bytes=args.archive_budget_mb * 1024**2,
                       policy_file=args.policy)
    from ..policy import PolicyFileError

    try:
        asyncio.run(run(cfg))
    except (OSError, PolicyFileError, ClusterError) as exc:
        print(f"underpaint: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def demo_model(args) -> int:
    from ..models.demo import write_demo_model

    folder, single = write_demo_model(args.dir, seed=args.seed)
    print(f"demo model (random weights, output is noise) written to {folder} and {single}")
    print(f"demo LoRA, embedding, VAE and ControlNet (random weights, for the demo model) in {args.dir}/loras, "
          f"{args.dir}/embeddings, {args.dir}/vae and {args.dir}/controlnet")
    if not getattr(args, "no_upscaler", False):
        from ..finishing.upscale_demo import write_demo_esrgan

        path = write_demo_esrgan(args.dir, seed=args.seed)
        print(f"demo upscaler (ESRGAN x4, random weights, output is noise-like) written to {path}")
    if not args.no_face_restorer:
        from ..finishing.faces_demo import write_demo_gfpgan

        path = write_demo_gfpgan(args.dir, seed=args.seed)
        print(f"demo face restorer (GFPGAN, random weights, restored faces are noise) written to {path}")
    return 0


def _client(args) -> Client:
    return client_from_args(args)


def client_from_args(args) -> Client:
    """A Client from the shared client options (--server, --token, --tls, ...)."""
    return Client(getattr(args, "server", None), token=getattr(args, "token", None),
                  token_file=getattr(args, "token_file", None), tls=getattr(args, "tls", None),
                  ca_file=getattr(args, "ca_file", None), fingerprint=getattr(args, "fingerprint", None))


def _mib(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB" if n else "unknown"


def info(args) -> int:
    with _client(args) as client:
        i = client.info()
    print(f"daemon    underpaint {i.daemon_version} at {client.address}")
    print(f"protocol  v{i.protocol_major}.{i.protocol_minor}")
    print(f"device    {i.device} ({i.device_name})")
    print(f"memory    device {_mib(i.device_memory_total)} total, {_mib(i.device_memory_free)} free; "
          f"system {_mib(i.system_memory_total)} total, {_mib(i.system_memory_available)} available")
    print(f"models    {i.models_dir}" + ("  (only the random-weights DEMO model is installed)" if i.demo_only else ""))
    print(f"config    {i.config_dir}")
    print(f"queue     {i.queue_length} job(s)")
    for line in _worker_lines(i.workers):
        print(line)
    p = i.policy
    enforced = p.image_check not in ("", "off") or p.blocked_terms
    print("policy    " + (f"image check {p.image_check}{' (locked)' if p.locked else ''}, {p.blocked_terms} blocked "
                          f"names and terms, from {p.source}" if enforced else "none (nothing is enforced)"))
    return 0


def _worker_lines(workers) -> list[str]:
    """One line per worker: where jobs run (this process, or each cluster replica)."""
    lines = [f"workers   {len(workers)}" + (" (cluster replicas)" if any(w.id != "local" for w in workers) else "")]
    for w in workers:
        models = ", ".join(w.loaded_models) or "no model loaded"
        lines.append(f"  {w.id:<22} {w.state:<8} {w.device}{f' ({w.device_name})' if w.device_name else ''}, "
                     f"{w.queue_length} job(s), {models}")
    return lines


def models(args) -> int:
    from .addons_view import defaults_text

    if args.models_command == "pull":
        return _pull(args)
    with _client(args) as client:
        resp = client.models(rescan=args.rescan)
    for m in resp.models:
        flags = [m.architecture, m.kind, f"{m.native_width}x{m.native_height}"]
        if m.is_demo:
            flags.append("DEMO: random weights")
        if m.loaded:
            flags.append("loaded")
        default = " (default)" if m.id == resp.default_model else ""
        print(f"{m.id}{default}  [{', '.join(flags)}]")
        if defaults_text(m.defaults):
            print(f"    defaults: {defaults_text(m.defaults)}")
    from .addons_view import print_addons

    print_addons(resp)
    if resp.unusable:
        print(f"\nunusable ({len(resp.unusable)}): in the models folder but cannot be used")
        for u in resp.unusable:
            print(f"{u.id}  {u.path}\n    {u.reason}")
    return 0


def _pull(args) -> int:
    from ..config import default_models_dir

    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        print("underpaint: `models pull` needs huggingface_hub: pip install huggingface_hub", file=sys.stderr)
        return 1
    target = (args.models or default_models_dir()) / args.repo_id.replace("/", "--")
    try:
        snapshot_download(args.repo_id, local_dir=target, etag_timeout=10,
                          # the diffusers layout only: repos often also hold multi-GB single files at the root
                          allow_patterns=["model_index.json", "*/*.json", "*/*.txt", "*/*.safetensors", "*/*.model"],
                          ignore_patterns=["*.fp32.*", "*non_ema*", "*.ckpt"])
    except Exception as exc:  # offline, unknown repo, auth: one line, non-zero exit
        print(f"underpaint: cannot download {args.repo_id}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(f"downloaded {args.repo_id} to {target}; the daemon lists it after `underpaint models --rescan`")
    return 0


def samplers(args) -> int:
    with _client(args) as client:
        resp = client.samplers()
    for s in resp.samplers:
        print(f"{s.id:20s} {s.display_name}{'  (default)' if s.id == resp.default_sampler else ''}")
    return 0


def generate(args) -> int:
    from .images_io import output_paths, read_image, save_png
    from .progress import ProgressBar

    req = pb.GenerateRequest(prompt=args.prompt or "", negative_prompt=args.negative, model=args.model,
                             width=args.width, height=args.height, steps=args.steps, guidance=args.cfg,
                             seed=args.seed, sampler=args.sampler, count=args.count, strength=args.strength,
                             tiling=args.tiling, priority=args.priority, client="underpaint-cli",
                             vae=args.vae, loras=args.lora, styles=args.style, clip_skip=args.clip_skip,
                             image_check=args.image_check,
                             archive=pb.ArchiveOptions(skip=args.no_archive, host="cli", parent_id=args.parent,
                                                       document=Path(args.out).name))
    if args.from_image:
        with _client(args) as client:
            _fill_from_image(req, args, client)
    elif args.prompt is None:
        print("underpaint: generate needs --prompt (or --from IMAGE.png to re-run an image's parameters)",
              file=sys.stderr)
        return 2
    from .noise import noise_from_args
    noise = noise_from_args(args)
    if noise is not None:
        req.noise.CopyFrom(noise)
    if args.init:
        req.init_image.CopyFrom(read_image(args.init, "RGBA"))
    if args.mask:
        req.mask.CopyFrom(read_image(args.mask, "L"))
    req.controls.extend(c.to_pb() for c in [*args.control, *args.reference])
    paths = output_paths(args.out, max(args.count, 1))
    bar = ProgressBar()
    with _client(args) as client:
        job = client.submit(req)
        # Ctrl-C cancels this job on the daemon, then waits for the final event.
        previous = signal.signal(signal.SIGINT, lambda *_: _cancel(client, job.id, bar))
        failed, withheld = None, 0
        try:
            for event in client.watch(job.id):
                kind = event.WhichOneof("kind")
                if kind == "queued":
                    bar.show(f"queued, {event.queued.position} job(s) ahead")
                elif kind == "progress":
                    p = event.progress
                    bar.show(f"step {p.step}/{p.total_steps}", p.step / max(p.total_steps, 1))
                elif kind == "result":
                    r = event.result
                    path = paths[min(r.index, len(paths) - 1)]
                    bar.done()
                    if not r.image.data:  # withheld by the daemon's content policy
                        withheld += 1
                        print(f"{path}  not written: {r.note or 'the daemon sent no image'}")
                        continue
                    save_png(r.image, path, r.parameters.infotext)
                    print(f"{path}  seed {r.seed}" + (f"  archived as {r.archive_id}" if r.archive_id else "")
                          + (f"  ({r.note})" if r.note else ""))
                elif kind == "finished":
                    bar.done()
                    failed = failure(event.finished, "generation failed")
        finally:
            signal.signal(signal.SIGINT, previous)
    if withheld and not failed:
        failed = f"{withheld} image(s) withheld by the daemon's content policy"
    if failed:
        return exit_code(failed)
    return 0


def _cancel(client: Client, job_id: str, bar) -> None:
    bar.show("cancelling ...")
    try:
        client.cancel(job_id)
    except ClientError:
        pass


def _fill_from_image(req: pb.GenerateRequest, args, client: Client) -> None:
    """Fields the command line left unset take the values of the PNG's A1111 parameters."""
    from PIL import Image

    from ..infotext import read_infotext, request_fields

    try:
        with Image.open(args.from_image) as image:
            text = image.info.get("parameters") or getattr(image, "text", {}).get("parameters", "")
    except OSError as e:
        raise ClientError(f"--from {args.from_image}: cannot read it ({e})") from None
    if not text:
        raise ClientError(f"--from {args.from_image}: the image has no generation parameters "
                          "(an A1111 'parameters' text)")
    samplers = {s.id: s.display_name for s in client.samplers().samplers}
    models = {}
    for m in client.models().models:
        models.update({m.id: m.id, m.display_name: m.id, m.display_name.lower(): m.id})
    fields, notes = request_fields(read_infotext(text), samplers, models)
    if not args.init:
        fields.pop("strength", None)  # a denoising strength needs the init image, which a PNG does not carry
    explicit = {"prompt": args.prompt is not None, "negative_prompt": bool(args.negative), "model": bool(args.model),
                "width": bool(args.width), "height": bool(args.height), "steps": bool(args.steps),
                "guidance": bool(args.cfg), "seed": args.seed != -1, "sampler": bool(args.sampler),
                "strength": bool(args.strength), "tiling": args.tiling, "vae": bool(args.vae),
                "clip_skip": bool(args.clip_skip)}
    for name, value in fields.items():
        if not explicit.get(name):
            setattr(req, name, value)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
