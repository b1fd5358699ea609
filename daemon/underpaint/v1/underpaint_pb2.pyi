from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PixelFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PIXEL_FORMAT_UNSPECIFIED: _ClassVar[PixelFormat]
    PIXEL_FORMAT_RGBA8: _ClassVar[PixelFormat]
    PIXEL_FORMAT_GRAY8: _ClassVar[PixelFormat]
    PIXEL_FORMAT_PNG: _ClassVar[PixelFormat]
    PIXEL_FORMAT_WEBP: _ClassVar[PixelFormat]
    PIXEL_FORMAT_RGB8: _ClassVar[PixelFormat]

class CanvasOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANVAS_OPERATION_UNSPECIFIED: _ClassVar[CanvasOperation]
    CANVAS_OPERATION_GENERATE: _ClassVar[CanvasOperation]
    CANVAS_OPERATION_REFINE: _ClassVar[CanvasOperation]
    CANVAS_OPERATION_FILL: _ClassVar[CanvasOperation]
    CANVAS_OPERATION_EXPAND: _ClassVar[CanvasOperation]

class JobStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATUS_UNSPECIFIED: _ClassVar[JobStatus]
    JOB_STATUS_QUEUED: _ClassVar[JobStatus]
    JOB_STATUS_RUNNING: _ClassVar[JobStatus]
    JOB_STATUS_SUCCEEDED: _ClassVar[JobStatus]
    JOB_STATUS_FAILED: _ClassVar[JobStatus]
    JOB_STATUS_CANCELLED: _ClassVar[JobStatus]
PIXEL_FORMAT_UNSPECIFIED: PixelFormat
PIXEL_FORMAT_RGBA8: PixelFormat
PIXEL_FORMAT_GRAY8: PixelFormat
PIXEL_FORMAT_PNG: PixelFormat
PIXEL_FORMAT_WEBP: PixelFormat
PIXEL_FORMAT_RGB8: PixelFormat
CANVAS_OPERATION_UNSPECIFIED: CanvasOperation
CANVAS_OPERATION_GENERATE: CanvasOperation
CANVAS_OPERATION_REFINE: CanvasOperation
CANVAS_OPERATION_FILL: CanvasOperation
CANVAS_OPERATION_EXPAND: CanvasOperation
JOB_STATUS_UNSPECIFIED: JobStatus
JOB_STATUS_QUEUED: JobStatus
JOB_STATUS_RUNNING: JobStatus
JOB_STATUS_SUCCEEDED: JobStatus
JOB_STATUS_FAILED: JobStatus
JOB_STATUS_CANCELLED: JobStatus

class Image(_message.Message):
    __slots__ = ("width", "height", "format", "data")
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    width: int
    height: int
    format: PixelFormat
    data: bytes
    def __init__(self, width: _Optional[int] = ..., height: _Optional[int] = ..., format: _Optional[_Union[PixelFormat, str]] = ..., data: _Optional[bytes] = ...) -> None: ...

class GetInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Info(_message.Message):
    __slots__ = ("daemon_version", "protocol_major", "protocol_minor", "device", "device_name", "device_memory_total", "device_memory_free", "system_memory_total", "system_memory_available", "models_dir", "data_dir", "config_dir", "demo_only", "queue_length", "max_message_bytes", "max_canvas_pixels", "max_generation_pixels", "capabilities")
    DAEMON_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_MAJOR_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_MINOR_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    DEVICE_MEMORY_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DEVICE_MEMORY_FREE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_MEMORY_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_MEMORY_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    MODELS_DIR_FIELD_NUMBER: _ClassVar[int]
    DATA_DIR_FIELD_NUMBER: _ClassVar[int]
    CONFIG_DIR_FIELD_NUMBER: _ClassVar[int]
    DEMO_ONLY_FIELD_NUMBER: _ClassVar[int]
    QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_CANVAS_PIXELS_FIELD_NUMBER: _ClassVar[int]
    MAX_GENERATION_PIXELS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    daemon_version: str
    protocol_major: int
    protocol_minor: int
    device: str
    device_name: str
    device_memory_total: int
    device_memory_free: int
    system_memory_total: int
    system_memory_available: int
    models_dir: str
    data_dir: str
    config_dir: str
    demo_only: bool
    queue_length: int
    max_message_bytes: int
    max_canvas_pixels: int
    max_generation_pixels: int
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, daemon_version: _Optional[str] = ..., protocol_major: _Optional[int] = ..., protocol_minor: _Optional[int] = ..., device: _Optional[str] = ..., device_name: _Optional[str] = ..., device_memory_total: _Optional[int] = ..., device_memory_free: _Optional[int] = ..., system_memory_total: _Optional[int] = ..., system_memory_available: _Optional[int] = ..., models_dir: _Optional[str] = ..., data_dir: _Optional[str] = ..., config_dir: _Optional[str] = ..., demo_only: _Optional[bool] = ..., queue_length: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., max_canvas_pixels: _Optional[int] = ..., max_generation_pixels: _Optional[int] = ..., capabilities: _Optional[_Iterable[str]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("rescan",)
    RESCAN_FIELD_NUMBER: _ClassVar[int]
    rescan: bool
    def __init__(self, rescan: _Optional[bool] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("id", "display_name", "architecture", "native_width", "native_height", "kind", "is_demo", "path", "loaded", "size_multiple", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    NATIVE_WIDTH_FIELD_NUMBER: _ClassVar[int]
    NATIVE_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IS_DEMO_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    LOADED_FIELD_NUMBER: _ClassVar[int]
    SIZE_MULTIPLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    architecture: str
    native_width: int
    native_height: int
    kind: str
    is_demo: bool
    path: str
    loaded: bool
    size_multiple: int
    description: str
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., architecture: _Optional[str] = ..., native_width: _Optional[int] = ..., native_height: _Optional[int] = ..., kind: _Optional[str] = ..., is_demo: _Optional[bool] = ..., path: _Optional[str] = ..., loaded: _Optional[bool] = ..., size_multiple: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "default_model")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_MODEL_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    default_model: str
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ..., default_model: _Optional[str] = ...) -> None: ...

class ListSamplersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Sampler(_message.Message):
    __slots__ = ("id", "display_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class ListSamplersResponse(_message.Message):
    __slots__ = ("samplers", "default_sampler")
    SAMPLERS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SAMPLER_FIELD_NUMBER: _ClassVar[int]
    samplers: _containers.RepeatedCompositeFieldContainer[Sampler]
    default_sampler: str
    def __init__(self, samplers: _Optional[_Iterable[_Union[Sampler, _Mapping]]] = ..., default_sampler: _Optional[str] = ...) -> None: ...

class GenerateRequest(_message.Message):
    __slots__ = ("prompt", "negative_prompt", "model", "width", "height", "steps", "guidance", "seed", "sampler", "count", "init_image", "strength", "mask", "priority", "output_format", "previews", "preview_max_size", "tiling", "client", "canvas")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SAMPLER_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    INIT_IMAGE_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    PREVIEWS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    TILING_FIELD_NUMBER: _ClassVar[int]
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    CANVAS_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    negative_prompt: str
    model: str
    width: int
    height: int
    steps: int
    guidance: float
    seed: int
    sampler: str
    count: int
    init_image: Image
    strength: float
    mask: Image
    priority: int
    output_format: PixelFormat
    previews: bool
    preview_max_size: int
    tiling: bool
    client: str
    canvas: CanvasRequest
    def __init__(self, prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., model: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., seed: _Optional[int] = ..., sampler: _Optional[str] = ..., count: _Optional[int] = ..., init_image: _Optional[_Union[Image, _Mapping]] = ..., strength: _Optional[float] = ..., mask: _Optional[_Union[Image, _Mapping]] = ..., priority: _Optional[int] = ..., output_format: _Optional[_Union[PixelFormat, str]] = ..., previews: _Optional[bool] = ..., preview_max_size: _Optional[int] = ..., tiling: _Optional[bool] = ..., client: _Optional[str] = ..., canvas: _Optional[_Union[CanvasRequest, _Mapping]] = ...) -> None: ...

class CanvasRequest(_message.Message):
    __slots__ = ("document_width", "document_height", "region", "region_x", "region_y", "selection", "selection_x", "selection_y", "operation", "expand", "mask_options")
    DOCUMENT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    REGION_X_FIELD_NUMBER: _ClassVar[int]
    REGION_Y_FIELD_NUMBER: _ClassVar[int]
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    SELECTION_X_FIELD_NUMBER: _ClassVar[int]
    SELECTION_Y_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    EXPAND_FIELD_NUMBER: _ClassVar[int]
    MASK_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    document_width: int
    document_height: int
    region: Image
    region_x: int
    region_y: int
    selection: Image
    selection_x: int
    selection_y: int
    operation: CanvasOperation
    expand: Margins
    mask_options: MaskOptions
    def __init__(self, document_width: _Optional[int] = ..., document_height: _Optional[int] = ..., region: _Optional[_Union[Image, _Mapping]] = ..., region_x: _Optional[int] = ..., region_y: _Optional[int] = ..., selection: _Optional[_Union[Image, _Mapping]] = ..., selection_x: _Optional[int] = ..., selection_y: _Optional[int] = ..., operation: _Optional[_Union[CanvasOperation, str]] = ..., expand: _Optional[_Union[Margins, _Mapping]] = ..., mask_options: _Optional[_Union[MaskOptions, _Mapping]] = ...) -> None: ...

class Margins(_message.Message):
    __slots__ = ("left", "top", "right", "bottom")
    LEFT_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    RIGHT_FIELD_NUMBER: _ClassVar[int]
    BOTTOM_FIELD_NUMBER: _ClassVar[int]
    left: int
    top: int
    right: int
    bottom: int
    def __init__(self, left: _Optional[int] = ..., top: _Optional[int] = ..., right: _Optional[int] = ..., bottom: _Optional[int] = ...) -> None: ...

class MaskOptions(_message.Message):
    __slots__ = ("grow", "feather", "context", "min_context_size")
    GROW_FIELD_NUMBER: _ClassVar[int]
    FEATHER_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MIN_CONTEXT_SIZE_FIELD_NUMBER: _ClassVar[int]
    grow: int
    feather: int
    context: float
    min_context_size: int
    def __init__(self, grow: _Optional[int] = ..., feather: _Optional[int] = ..., context: _Optional[float] = ..., min_context_size: _Optional[int] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "queue_position", "seed")
    ID_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    id: str
    queue_position: int
    seed: int
    def __init__(self, id: _Optional[str] = ..., queue_position: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("job_id", "after_seq")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after_seq: int
    def __init__(self, job_id: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class PollEventsRequest(_message.Message):
    __slots__ = ("job_id", "after_seq", "wait_ms")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after_seq: int
    wait_ms: int
    def __init__(self, job_id: _Optional[str] = ..., after_seq: _Optional[int] = ..., wait_ms: _Optional[int] = ...) -> None: ...

class PollEventsResponse(_message.Message):
    __slots__ = ("events", "done")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[JobEvent]
    done: bool
    def __init__(self, events: _Optional[_Iterable[_Union[JobEvent, _Mapping]]] = ..., done: _Optional[bool] = ...) -> None: ...

class CancelRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: JobStatus
    def __init__(self, status: _Optional[_Union[JobStatus, str]] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("job_id", "seq", "time", "queued", "started", "progress", "result", "finished")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    seq: int
    time: float
    queued: Queued
    started: Started
    progress: Progress
    result: Result
    finished: Finished
    def __init__(self, job_id: _Optional[str] = ..., seq: _Optional[int] = ..., time: _Optional[float] = ..., queued: _Optional[_Union[Queued, _Mapping]] = ..., started: _Optional[_Union[Started, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[Result, _Mapping]] = ..., finished: _Optional[_Union[Finished, _Mapping]] = ...) -> None: ...

class Queued(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class Started(_message.Message):
    __slots__ = ("model", "device")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    model: str
    device: str
    def __init__(self, model: _Optional[str] = ..., device: _Optional[str] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("step", "total_steps", "image_index", "preview")
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    step: int
    total_steps: int
    image_index: int
    preview: Image
    def __init__(self, step: _Optional[int] = ..., total_steps: _Optional[int] = ..., image_index: _Optional[int] = ..., preview: _Optional[_Union[Image, _Mapping]] = ...) -> None: ...

class Result(_message.Message):
    __slots__ = ("index", "image", "seed", "parameters", "x", "y", "document_width", "document_height", "offset_x", "offset_y")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_X_FIELD_NUMBER: _ClassVar[int]
    OFFSET_Y_FIELD_NUMBER: _ClassVar[int]
    index: int
    image: Image
    seed: int
    parameters: GenerationParameters
    x: int
    y: int
    document_width: int
    document_height: int
    offset_x: int
    offset_y: int
    def __init__(self, index: _Optional[int] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., seed: _Optional[int] = ..., parameters: _Optional[_Union[GenerationParameters, _Mapping]] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., document_width: _Optional[int] = ..., document_height: _Optional[int] = ..., offset_x: _Optional[int] = ..., offset_y: _Optional[int] = ...) -> None: ...

class GenerationParameters(_message.Message):
    __slots__ = ("prompt", "negative_prompt", "model", "model_hash", "width", "height", "steps", "guidance", "seed", "sampler", "strength", "tiling", "infotext")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_HASH_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SAMPLER_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    TILING_FIELD_NUMBER: _ClassVar[int]
    INFOTEXT_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    negative_prompt: str
    model: str
    model_hash: str
    width: int
    height: int
    steps: int
    guidance: float
    seed: int
    sampler: str
    strength: float
    tiling: bool
    infotext: str
    def __init__(self, prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., model: _Optional[str] = ..., model_hash: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., seed: _Optional[int] = ..., sampler: _Optional[str] = ..., strength: _Optional[float] = ..., tiling: _Optional[bool] = ..., infotext: _Optional[str] = ...) -> None: ...

class Finished(_message.Message):
    __slots__ = ("status", "message", "elapsed")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    status: JobStatus
    message: str
    elapsed: float
    def __init__(self, status: _Optional[_Union[JobStatus, str]] = ..., message: _Optional[str] = ..., elapsed: _Optional[float] = ...) -> None: ...
