"""Assembles the daemon: models, the job service, the board, and both transports."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from . import PROTOCOL_MAJOR, PROTOCOL_MINOR, __version__
from . import tls as tls_setup
from .config import MAX_MESSAGE_BYTES, DaemonConfig, ensure_token, write_discovery_file
from .jobs.request import Limits
from .transport.access import AccessPolicy
from .transport.grpc_server import start_grpc
from .transport.heap import keep_large_buffers
from .transport.http_gateway import start_gateway
from .transport.routing import TokenCheck, rpcs
from .v1 import archive_connect, archive_pb2, board_connect, board_pb2, underpaint_connect, underpaint_pb2

log = logging.getLogger("underpaint")

CAPABILITIES = ["canvas", "tiling", "previews", "board", "long_poll", "loading_activity", "unusable_models",
                "lora", "embeddings", "vae", "controls", "reference_images",
                "face_detect", "face_restore", "face_rerender",
                "finish", "upscale", "upscale_model", "upscale_diffusion",
                "archive", "history", "lexicon", "styles", "concept_check", "meaning_search", "interrogate",
                "png_thumbnails",
                "prompt_weights", "long_prompts", "prompt_break", "prompt_and", "prompt_editing", "clip_skip",
                "tokenize_prompt",
                "few_step", "live", "noise", "batched_count",
                "content_policy", "train_embedding", "workers"]
CLUSTER_CAPABILITY = "cluster"  # listed when `serve --cluster` hands generation to Ray Serve replicas


def _load_models(cfg: DaemonConfig):
    from .models.demo import write_demo_model
    from .models.registry import ModelRegistry

    def demo_folder():
        """With no usable model installed the demo is served, so everything works end to end;
        a rescan that finds a real model serves it instead."""
        demo_dir = cfg.data_dir / "demo-model"
        if not any(demo_dir.glob("*")):
            write_demo_model(demo_dir)
        return demo_dir

    cfg.models_dir.mkdir(parents=True, exist_ok=True)
    registry = ModelRegistry(cfg.models_dir, allow_pickle=cfg.allow_pickle, fallback=demo_folder)
    registry.scan()
    if registry.serving_fallback:
        log.warning("No usable model is installed in %s. Put a diffusers folder or a .safetensors checkpoint "
                    "there (or run `underpaint models pull REPO_ID`). Serving the DEMO model meanwhile: it "
                    "has random weights and makes noise, for testing only.", cfg.models_dir)
    return registry


def _quiet_library_progress_bars() -> None:
    """Loading bars from diffusers/transformers clutter a daemon's log; our own lines say enough."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()


def load_content_policy(cfg: DaemonConfig):
    """The content policy in force (raises policy.PolicyFileError for a file that cannot be used)."""
    from .policy import find_policy_file, load_policy

    content_policy = load_policy(find_policy_file(cfg.config_dir, cfg.policy_file))
    for line in content_policy.describe().splitlines():
        log.info("%s", line)
    if content_policy.image_check != "off":
        from .policy.image_check import ImageChecker

        checker = ImageChecker(cfg.models_dir, cfg.allow_pickle)
        if not checker.installed:
            log.error("!! the content policy asks for an image check but %s: every job will be refused "
                      "until one is installed", checker.why_missing())
    return content_policy


def _open_archive(cfg: DaemonConfig):
    """The archive and the board share pixel blobs by hard link (same data folder)."""
    from .archive import ArchiveHooks, ArchiveStore, Lexicon
    from .board.store import BoardStore

    board_blobs, archive_blobs = cfg.data_dir / "board" / "blobs", cfg.data_dir / "archive" / "blobs"
    store = ArchiveStore(cfg.data_dir / "archive", cfg.archive_budget_bytes, share_blobs_with=(board_blobs,))
    if store.swept:
        log.warning("archive: removed %d blob file(s) an interrupted write left behind", store.swept)
    board = BoardStore(cfg.data_dir / "board", cfg.board_budget_bytes, share_blobs_with=(archive_blobs,))
    from .archive.clip_model import ClipModel
    from .archive.meaning import MeaningIndex

    meaning = MeaningIndex(store, ClipModel(cfg.models_dir))
    hooks = ArchiveHooks(store, Lexicon(store), record=cfg.archive, meaning=meaning)
    log.info("archive: %s (%d entries)%s", store.root, store.count(), "" if cfg.archive else ", recording OFF")
    return hooks, board


async def _start_cluster(cfg: DaemonConfig, samplers: dict):
    """The cluster dispatcher when `--cluster` was given (replicas deployed and ready), else None."""
    if cfg.cluster is None:
        return None
    from .cluster.dispatcher import ClusterDispatcher

    dispatcher = ClusterDispatcher(cfg.cluster)
    await asyncio.to_thread(dispatcher.start, cfg.models_dir, cfg.allow_pickle, samplers)
    log.info("cluster: generation runs on up to %d replica(s)", dispatcher.max_replicas)
    return dispatcher


async def serve(cfg: DaemonConfig) -> None:
    from .archive import HistoryService, LexiconService
    from .archive.concepts import ConceptChecker
    from .board.service import BoardService
    from .devices import pick_device, pick_dtype
    from .models.addons import AddOnIndex
    from .finishing.face_models import configure as configure_face_models
    from .finishing.upscale_models import configure as configure_upscalers
    from .models.cache import PipelineCache
    from .pipelines.samplers import DEFAULT_SAMPLER, SAMPLERS
    from .policy.image_check import configure as configure_image_check
    from .service.generation import GenerationService

    _quiet_library_progress_bars()
    loop = asyncio.get_running_loop()
    log.info("Underpaint %s (protocol v%d.%d)", __version__, PROTOCOL_MAJOR, PROTOCOL_MINOR)
    log.info("models: %s", cfg.models_dir)
    log.info("data:   %s", cfg.data_dir)
    log.info("config: %s", cfg.config_dir)
    heap_trimmer = keep_large_buffers()  # canvases land in mapped pages (transport/heap.py)
    tls = tls_setup.for_daemon(cfg)  # before the slow model scan: a bad --tls-cert fails at once
    if cfg.require_token and tls is None:
        log.warning("!! NO TLS: beyond loopback the token and every image cross the network in clear text. "
                    "Start the daemon with --tls (self-signed, clients pin its fingerprint) or "
                    "--tls-cert FILE --tls-key FILE.")
    policy = AccessPolicy(cfg.host, cfg.allow_hosts, cfg.allow_origins)
    content_policy = load_content_policy(cfg)  # before the slow model scan: a bad policy file fails at once
    registry = await asyncio.to_thread(_load_models, cfg)
    await asyncio.to_thread(configure_face_models, cfg.models_dir, cfg.allow_pickle)
    await asyncio.to_thread(configure_upscalers, cfg.models_dir, cfg.allow_pickle)
    configure_image_check(cfg.models_dir, cfg.allow_pickle)
    for entry in registry.entries:
        log.info("model %s (%s, %s%s)", entry.id, entry.architecture, entry.kind,
                 ", DEMO: random weights" if entry.is_demo else "")
    device = pick_device()
    cache = PipelineCache(device, pick_dtype(device), cfg.memory_budget_bytes, allow_pickle=cfg.allow_pickle)
    from .pipelines.taesd import configure as configure_previews

    configure_previews(cfg.models_dir / "vae-approx")  # TAESD previews when its weights are there
    log.info("device: %s", device)

    addons = AddOnIndex(registry.models_dir, allow_pickle=cfg.allow_pickle,
                        fallback_dir=lambda: registry.fallback_dir)
    await asyncio.to_thread(addons.scan)
    log.info("add-ons: %s", ", ".join(f"{len(addons.of_type(t))} {t}(s)" for t in ("lora", "embedding", "vae", "controlnet", "ipadapter")))
    archive, board_store = await asyncio.to_thread(_open_archive, cfg)
    cluster = await _start_cluster(cfg, dict(SAMPLERS))
    generation = GenerationService(cfg, registry, cache, limits=Limits(), samplers=dict(SAMPLERS),
                                   default_sampler=DEFAULT_SAMPLER, max_message_bytes=MAX_MESSAGE_BYTES,
                                   capabilities=CAPABILITIES + ([CLUSTER_CAPABILITY] if cluster else []),
                                   addons=addons, archive=archive, policy=content_policy, cluster=cluster)
    board = BoardService(board_store)
    from .archive.interrogate import Interrogator

    history = HistoryService(archive.store, dict(SAMPLERS), archive.meaning)
    lexicon = LexiconService(archive.lexicon, ConceptChecker(registry, cache), archive.meaning,
                             Interrogator(archive.meaning.clip, cfg.models_dir))
    archive.meaning.start()
    token = ensure_token(cfg.config_dir)
    tokens = TokenCheck(token if cfg.require_token else None)
    if cfg.require_token:
        log.warning("listening beyond loopback on %s: clients need the token in %s/token", cfg.host, cfg.config_dir)

    gen_rpcs = rpcs(underpaint_pb2.DESCRIPTOR.services_by_name["Underpaint"], generation)
    board_rpcs = rpcs(board_pb2.DESCRIPTOR.services_by_name["Board"], board)
    history_rpcs = rpcs(archive_pb2.DESCRIPTOR.services_by_name["History"], history)
    lexicon_rpcs = rpcs(archive_pb2.DESCRIPTOR.services_by_name["Lexicon"], lexicon)
    generation.start(loop)
    grpc_server, grpc_port = await start_grpc(cfg.host, cfg.port, [gen_rpcs, board_rpcs, history_rpcs, lexicon_rpcs], tokens, MAX_MESSAGE_BYTES,
                                              tls=tls)
    log.info("gRPC%s on %s:%d", " (TLS)" if tls else "", cfg.host, grpc_port)
    http = None
    http_port = None
    if cfg.http_port >= 0:
        http = await start_gateway(cfg.host, cfg.http_port,
                                   [(underpaint_connect.UnderpaintASGIApplication, gen_rpcs),
                                    (board_connect.BoardASGIApplication, board_rpcs),
                                    (archive_connect.HistoryASGIApplication, history_rpcs),
                                    (archive_connect.LexiconASGIApplication, lexicon_rpcs)],
                                   tokens, MAX_MESSAGE_BYTES, policy=policy, tls=tls)
        http_port = http[1]
        log.info("HTTP/1.1 Connect gateway on %s://%s:%d", "https" if tls else "http", cfg.host, http_port)
    discovery = write_discovery_file(cfg, grpc_port, http_port, __version__, tls.fingerprint if tls else None)
    log.info("ready")

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises KeyboardInterrupt instead
            pass
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await generation.shut_down("daemon shutting down")
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
        archive.meaning.stop()
        archive.store.close()
        if http:
            http[0].should_exit = True
            await http[2]
        await grpc_server.stop(grace=1.0)
        if heap_trimmer is not None:
            heap_trimmer.stop()
        try:
            if f'"pid": {os.getpid()}' in discovery.read_text():
                discovery.unlink()
        except OSError:
            pass
