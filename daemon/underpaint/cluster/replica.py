"""The Ray Serve deployment: one replica per GPU (or per N CPUs), each with its own model LRU.

A replica runs the daemon's own job runners (replica_job.py) on its own PipelineCache, one job at a
time (they share the device), and streams the job's events back as serialized JobEvents. Model
affinity comes from Serve's multiplexing: the front names the job's model in
`multiplexed_model_id`, and Serve prefers replicas that already hold it. The model itself is
loaded inside the job, so the client sees the same loading_model activities as on one machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import ray
from ray import serve

from ..v1 import underpaint_pb2 as pb
from .board import BOARD_NAME, HEARTBEAT_S
from .replica_job import ReplicaJob, run_job

log = logging.getLogger("underpaint.cluster.replica")

BOARD_NAMESPACE = "underpaint"
MODELS_PER_REPLICA = 4  # Serve's routing hint; the PipelineCache's memory budget is the real limit


@serve.deployment(name="generation", max_ongoing_requests=1)
class GenerationReplica:
    def __init__(self, settings: dict) -> None:
        import torch

        from ..devices import device_name, pick_device, pick_dtype
        from ..finishing.face_models import configure as configure_face_models
        from ..finishing.upscale_models import configure as configure_upscalers
        from ..models.cache import PipelineCache
        from ..pipelines.taesd import configure as configure_previews
        from ..policy.image_check import configure as configure_image_check
        from pathlib import Path

        models_dir, allow_pickle = Path(settings["models_dir"]), settings["allow_pickle"]
        self._device = pick_device()
        if self._device == "cpu" and settings.get("threads"):
            torch.set_num_threads(int(settings["threads"]))
        self._cache = PipelineCache(self._device, pick_dtype(self._device), settings.get("memory_budget_bytes"),
                                    allow_pickle=allow_pickle)
        configure_face_models(models_dir, allow_pickle)  # finishing steps run here, beside the model
        configure_upscalers(models_dir, allow_pickle)
        configure_image_check(models_dir, allow_pickle)
        configure_previews(models_dir / "vae-approx")
        self._samplers = dict(settings["samplers"])
        self._device_name = device_name(self._device) or ""
        self.id = f"{ray.util.get_node_ip_address()}:{os.getpid()}"  # host:pid says where to look
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="underpaint-replica")
        self._jobs = 0  # running or waiting here
        self._lock = threading.Lock()
        try:
            self._board = ray.get_actor(BOARD_NAME, namespace=BOARD_NAMESPACE)
        except ValueError:
            self._board = None  # deployed without the front's board: nothing to report to
        self._stop = threading.Event()
        self._report()
        threading.Thread(target=self._heartbeat, name="underpaint-heartbeat", daemon=True).start()
        log.info("replica %s ready on %s", self.id, self._device)

    def _report(self) -> None:
        if self._board is None:
            return
        with self._lock:
            jobs = self._jobs
        self._board.report.remote(self.id, {
            "device": self._device, "device_name": self._device_name,
            "loaded_models": list(self._cache.loaded_ids()), "queue_length": jobs,
            "state": "busy" if jobs else "ready"})

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self._report()
            except Exception:  # the board may be gone while the cluster shuts down
                log.debug("heartbeat failed", exc_info=True)
        # no last word: a stopped replica is simply no longer heard from

    @serve.multiplexed(max_num_models_per_replica=MODELS_PER_REPLICA)
    async def hold_model(self, model_id: str) -> str:
        return model_id  # loading happens inside the job, where its progress reaches the client

    async def run(self, job_id: str, request):
        """Streams one job's events (serialized JobEvents); Finished is the last. A cancelled
        request (the front's cancel, or the front going away) sets the job's cancel flag, which
        the runner checks at its next step."""
        model_id = serve.get_multiplexed_model_id()
        if model_id:
            await self.hold_model(model_id)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[tuple[bytes, bool]] = asyncio.Queue()
        job = ReplicaJob(job_id, request)

        def send(event: pb.JobEvent) -> None:
            loop.call_soon_threadsafe(events.put_nowait, (event.SerializeToString(), event.HasField("finished")))

        def work() -> None:
            try:
                run_job(job, self._cache, self._samplers, send)
            finally:
                with self._lock:
                    self._jobs -= 1
                self._report()

        with self._lock:
            self._jobs += 1
        self._report()
        yield pb.JobEvent(job_id=job_id, activity=pb.Activity(
            kind="worker", message=f"running on worker {self.id} ({self._device})", subject=self.id)).SerializeToString()
        loop.run_in_executor(self._executor, work)
        try:
            while True:
                data, final = await events.get()
                yield data
                if final:
                    return
        except (asyncio.CancelledError, GeneratorExit):
            job.cancel_reason = "cancelled"
            job.cancel_requested.set()
            raise

    def __del__(self) -> None:
        self._stop.set()
