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

class JobType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_TYPE_UNSPECIFIED: _ClassVar[JobType]
    JOB_TYPE_GENERATE: _ClassVar[JobType]
    JOB_TYPE_FINISH: _ClassVar[JobType]
    JOB_TYPE_KEYFRAMES: _ClassVar[JobType]
    JOB_TYPE_EDIT: _ClassVar[JobType]
    JOB_TYPE_TRAIN_EMBEDDING: _ClassVar[JobType]

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
JOB_TYPE_UNSPECIFIED: JobType
JOB_TYPE_GENERATE: JobType
JOB_TYPE_FINISH: JobType
JOB_TYPE_KEYFRAMES: JobType
JOB_TYPE_EDIT: JobType
JOB_TYPE_TRAIN_EMBEDDING: JobType
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
    __slots__ = ("daemon_version", "protocol_major", "protocol_minor", "device", "device_name", "device_memory_total", "device_memory_free", "system_memory_total", "system_memory_available", "models_dir", "data_dir", "config_dir", "demo_only", "queue_length", "max_message_bytes", "max_canvas_pixels", "max_generation_pixels", "capabilities", "max_queue_length", "policy", "workers")
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
    MAX_QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
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
    max_queue_length: int
    policy: PolicySummary
    workers: _containers.RepeatedCompositeFieldContainer[WorkerInfo]
    def __init__(self, daemon_version: _Optional[str] = ..., protocol_major: _Optional[int] = ..., protocol_minor: _Optional[int] = ..., device: _Optional[str] = ..., device_name: _Optional[str] = ..., device_memory_total: _Optional[int] = ..., device_memory_free: _Optional[int] = ..., system_memory_total: _Optional[int] = ..., system_memory_available: _Optional[int] = ..., models_dir: _Optional[str] = ..., data_dir: _Optional[str] = ..., config_dir: _Optional[str] = ..., demo_only: _Optional[bool] = ..., queue_length: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., max_canvas_pixels: _Optional[int] = ..., max_generation_pixels: _Optional[int] = ..., capabilities: _Optional[_Iterable[str]] = ..., max_queue_length: _Optional[int] = ..., policy: _Optional[_Union[PolicySummary, _Mapping]] = ..., workers: _Optional[_Iterable[_Union[WorkerInfo, _Mapping]]] = ...) -> None: ...

class PolicySummary(_message.Message):
    __slots__ = ("image_check", "locked", "blocked_terms", "source")
    IMAGE_CHECK_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_TERMS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    image_check: str
    locked: bool
    blocked_terms: int
    source: str
    def __init__(self, image_check: _Optional[str] = ..., locked: _Optional[bool] = ..., blocked_terms: _Optional[int] = ..., source: _Optional[str] = ...) -> None: ...

class WorkerInfo(_message.Message):
    __slots__ = ("id", "device", "device_name", "loaded_models", "queue_length", "state")
    ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_NAME_FIELD_NUMBER: _ClassVar[int]
    LOADED_MODELS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    device: str
    device_name: str
    loaded_models: _containers.RepeatedScalarFieldContainer[str]
    queue_length: int
    state: str
    def __init__(self, id: _Optional[str] = ..., device: _Optional[str] = ..., device_name: _Optional[str] = ..., loaded_models: _Optional[_Iterable[str]] = ..., queue_length: _Optional[int] = ..., state: _Optional[str] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("rescan",)
    RESCAN_FIELD_NUMBER: _ClassVar[int]
    rescan: bool
    def __init__(self, rescan: _Optional[bool] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("id", "display_name", "architecture", "native_width", "native_height", "kind", "is_demo", "path", "loaded", "size_multiple", "description", "defaults")
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
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
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
    defaults: ModelDefaults
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., architecture: _Optional[str] = ..., native_width: _Optional[int] = ..., native_height: _Optional[int] = ..., kind: _Optional[str] = ..., is_demo: _Optional[bool] = ..., path: _Optional[str] = ..., loaded: _Optional[bool] = ..., size_multiple: _Optional[int] = ..., description: _Optional[str] = ..., defaults: _Optional[_Union[ModelDefaults, _Mapping]] = ...) -> None: ...

class ModelDefaults(_message.Message):
    __slots__ = ("sampler", "guidance", "steps", "clip_skip", "vae", "no_mean_restore")
    SAMPLER_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CLIP_SKIP_FIELD_NUMBER: _ClassVar[int]
    VAE_FIELD_NUMBER: _ClassVar[int]
    NO_MEAN_RESTORE_FIELD_NUMBER: _ClassVar[int]
    sampler: str
    guidance: float
    steps: int
    clip_skip: int
    vae: str
    no_mean_restore: bool
    def __init__(self, sampler: _Optional[str] = ..., guidance: _Optional[float] = ..., steps: _Optional[int] = ..., clip_skip: _Optional[int] = ..., vae: _Optional[str] = ..., no_mean_restore: _Optional[bool] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "default_model", "add_ons", "unusable")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_MODEL_FIELD_NUMBER: _ClassVar[int]
    ADD_ONS_FIELD_NUMBER: _ClassVar[int]
    UNUSABLE_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    default_model: str
    add_ons: _containers.RepeatedCompositeFieldContainer[AddOn]
    unusable: _containers.RepeatedCompositeFieldContainer[UnusableFile]
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ..., default_model: _Optional[str] = ..., add_ons: _Optional[_Iterable[_Union[AddOn, _Mapping]]] = ..., unusable: _Optional[_Iterable[_Union[UnusableFile, _Mapping]]] = ...) -> None: ...

class AddOn(_message.Message):
    __slots__ = ("id", "type", "architecture", "path", "display_name", "description", "is_demo", "scale", "control_type", "vectors", "license")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IS_DEMO_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    CONTROL_TYPE_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    architecture: str
    path: str
    display_name: str
    description: str
    is_demo: bool
    scale: int
    control_type: str
    vectors: int
    license: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., architecture: _Optional[str] = ..., path: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., is_demo: _Optional[bool] = ..., scale: _Optional[int] = ..., control_type: _Optional[str] = ..., vectors: _Optional[int] = ..., license: _Optional[str] = ...) -> None: ...

class UnusableFile(_message.Message):
    __slots__ = ("id", "path", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    path: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., path: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("prompt", "negative_prompt", "model", "width", "height", "steps", "guidance", "seed", "sampler", "count", "init_image", "strength", "mask", "priority", "output_format", "previews", "preview_max_size", "tiling", "client", "canvas", "loras", "vae", "clip_skip", "controls", "styles", "noise", "type", "finishing", "frames", "edit", "train", "live_session", "archive", "image_check")
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
    LORAS_FIELD_NUMBER: _ClassVar[int]
    VAE_FIELD_NUMBER: _ClassVar[int]
    CLIP_SKIP_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    STYLES_FIELD_NUMBER: _ClassVar[int]
    NOISE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FINISHING_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    EDIT_FIELD_NUMBER: _ClassVar[int]
    TRAIN_FIELD_NUMBER: _ClassVar[int]
    LIVE_SESSION_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_CHECK_FIELD_NUMBER: _ClassVar[int]
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
    loras: _containers.RepeatedCompositeFieldContainer[LoraWeight]
    vae: str
    clip_skip: int
    controls: _containers.RepeatedCompositeFieldContainer[Control]
    styles: _containers.RepeatedScalarFieldContainer[str]
    noise: NoiseOptions
    type: JobType
    finishing: _containers.RepeatedCompositeFieldContainer[FinishingStep]
    frames: _containers.RepeatedCompositeFieldContainer[Image]
    edit: EditOptions
    train: TrainEmbeddingOptions
    live_session: str
    archive: ArchiveOptions
    image_check: str
    def __init__(self, prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., model: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., seed: _Optional[int] = ..., sampler: _Optional[str] = ..., count: _Optional[int] = ..., init_image: _Optional[_Union[Image, _Mapping]] = ..., strength: _Optional[float] = ..., mask: _Optional[_Union[Image, _Mapping]] = ..., priority: _Optional[int] = ..., output_format: _Optional[_Union[PixelFormat, str]] = ..., previews: _Optional[bool] = ..., preview_max_size: _Optional[int] = ..., tiling: _Optional[bool] = ..., client: _Optional[str] = ..., canvas: _Optional[_Union[CanvasRequest, _Mapping]] = ..., loras: _Optional[_Iterable[_Union[LoraWeight, _Mapping]]] = ..., vae: _Optional[str] = ..., clip_skip: _Optional[int] = ..., controls: _Optional[_Iterable[_Union[Control, _Mapping]]] = ..., styles: _Optional[_Iterable[str]] = ..., noise: _Optional[_Union[NoiseOptions, _Mapping]] = ..., type: _Optional[_Union[JobType, str]] = ..., finishing: _Optional[_Iterable[_Union[FinishingStep, _Mapping]]] = ..., frames: _Optional[_Iterable[_Union[Image, _Mapping]]] = ..., edit: _Optional[_Union[EditOptions, _Mapping]] = ..., train: _Optional[_Union[TrainEmbeddingOptions, _Mapping]] = ..., live_session: _Optional[str] = ..., archive: _Optional[_Union[ArchiveOptions, _Mapping]] = ..., image_check: _Optional[str] = ...) -> None: ...

class LoraWeight(_message.Message):
    __slots__ = ("name", "weight")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    name: str
    weight: float
    def __init__(self, name: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class Control(_message.Message):
    __slots__ = ("type", "image", "strength", "start", "end", "model", "preprocessor", "x", "y")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PREPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    type: str
    image: Image
    strength: float
    start: float
    end: float
    model: str
    preprocessor: str
    x: int
    y: int
    def __init__(self, type: _Optional[str] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., strength: _Optional[float] = ..., start: _Optional[float] = ..., end: _Optional[float] = ..., model: _Optional[str] = ..., preprocessor: _Optional[str] = ..., x: _Optional[int] = ..., y: _Optional[int] = ...) -> None: ...

class NoiseOptions(_message.Message):
    __slots__ = ("variation_seed", "variation_strength", "resize_seed_from_width", "resize_seed_from_height", "freeze")
    VARIATION_SEED_FIELD_NUMBER: _ClassVar[int]
    VARIATION_STRENGTH_FIELD_NUMBER: _ClassVar[int]
    RESIZE_SEED_FROM_WIDTH_FIELD_NUMBER: _ClassVar[int]
    RESIZE_SEED_FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FREEZE_FIELD_NUMBER: _ClassVar[int]
    variation_seed: int
    variation_strength: float
    resize_seed_from_width: int
    resize_seed_from_height: int
    freeze: bool
    def __init__(self, variation_seed: _Optional[int] = ..., variation_strength: _Optional[float] = ..., resize_seed_from_width: _Optional[int] = ..., resize_seed_from_height: _Optional[int] = ..., freeze: _Optional[bool] = ...) -> None: ...

class FinishingStep(_message.Message):
    __slots__ = ("upscale", "restore_faces", "rerender_faces")
    UPSCALE_FIELD_NUMBER: _ClassVar[int]
    RESTORE_FACES_FIELD_NUMBER: _ClassVar[int]
    RERENDER_FACES_FIELD_NUMBER: _ClassVar[int]
    upscale: UpscaleOptions
    restore_faces: RestoreFacesOptions
    rerender_faces: RerenderFacesOptions
    def __init__(self, upscale: _Optional[_Union[UpscaleOptions, _Mapping]] = ..., restore_faces: _Optional[_Union[RestoreFacesOptions, _Mapping]] = ..., rerender_faces: _Optional[_Union[RerenderFacesOptions, _Mapping]] = ...) -> None: ...

class UpscaleOptions(_message.Message):
    __slots__ = ("model", "scale", "width", "height", "diffusion", "strength", "tile_size", "tile_padding", "seam_pass")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIFFUSION_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    TILE_SIZE_FIELD_NUMBER: _ClassVar[int]
    TILE_PADDING_FIELD_NUMBER: _ClassVar[int]
    SEAM_PASS_FIELD_NUMBER: _ClassVar[int]
    model: str
    scale: float
    width: int
    height: int
    diffusion: bool
    strength: float
    tile_size: int
    tile_padding: int
    seam_pass: bool
    def __init__(self, model: _Optional[str] = ..., scale: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., diffusion: _Optional[bool] = ..., strength: _Optional[float] = ..., tile_size: _Optional[int] = ..., tile_padding: _Optional[int] = ..., seam_pass: _Optional[bool] = ...) -> None: ...

class RestoreFacesOptions(_message.Message):
    __slots__ = ("model", "fidelity", "min_confidence", "visibility")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FIDELITY_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    model: str
    fidelity: float
    min_confidence: float
    visibility: float
    def __init__(self, model: _Optional[str] = ..., fidelity: _Optional[float] = ..., min_confidence: _Optional[float] = ..., visibility: _Optional[float] = ...) -> None: ...

class RerenderFacesOptions(_message.Message):
    __slots__ = ("prompt", "negative_prompt", "strength", "padding", "min_confidence", "mask_blur", "steps")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    PADDING_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MASK_BLUR_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    negative_prompt: str
    strength: float
    padding: int
    min_confidence: float
    mask_blur: int
    steps: int
    def __init__(self, prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., strength: _Optional[float] = ..., padding: _Optional[int] = ..., min_confidence: _Optional[float] = ..., mask_blur: _Optional[int] = ..., steps: _Optional[int] = ...) -> None: ...

class EditOptions(_message.Message):
    __slots__ = ("source_prompt", "method", "inversion_steps")
    SOURCE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    INVERSION_STEPS_FIELD_NUMBER: _ClassVar[int]
    source_prompt: str
    method: str
    inversion_steps: int
    def __init__(self, source_prompt: _Optional[str] = ..., method: _Optional[str] = ..., inversion_steps: _Optional[int] = ...) -> None: ...

class TrainEmbeddingOptions(_message.Message):
    __slots__ = ("images", "token", "init_word", "steps", "learning_rate", "vectors", "archive_ids", "save_every", "overwrite")
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    INIT_WORD_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_IDS_FIELD_NUMBER: _ClassVar[int]
    SAVE_EVERY_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[Image]
    token: str
    init_word: str
    steps: int
    learning_rate: float
    vectors: int
    archive_ids: _containers.RepeatedScalarFieldContainer[str]
    save_every: int
    overwrite: bool
    def __init__(self, images: _Optional[_Iterable[_Union[Image, _Mapping]]] = ..., token: _Optional[str] = ..., init_word: _Optional[str] = ..., steps: _Optional[int] = ..., learning_rate: _Optional[float] = ..., vectors: _Optional[int] = ..., archive_ids: _Optional[_Iterable[str]] = ..., save_every: _Optional[int] = ..., overwrite: _Optional[bool] = ...) -> None: ...

class ArchiveOptions(_message.Message):
    __slots__ = ("skip", "host", "document", "parent_id")
    SKIP_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    skip: bool
    host: str
    document: str
    parent_id: str
    def __init__(self, skip: _Optional[bool] = ..., host: _Optional[str] = ..., document: _Optional[str] = ..., parent_id: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("job_id", "seq", "time", "queued", "started", "progress", "result", "finished", "activity")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    seq: int
    time: float
    queued: Queued
    started: Started
    progress: Progress
    result: Result
    finished: Finished
    activity: Activity
    def __init__(self, job_id: _Optional[str] = ..., seq: _Optional[int] = ..., time: _Optional[float] = ..., queued: _Optional[_Union[Queued, _Mapping]] = ..., started: _Optional[_Union[Started, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[Result, _Mapping]] = ..., finished: _Optional[_Union[Finished, _Mapping]] = ..., activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class Activity(_message.Message):
    __slots__ = ("kind", "message", "fraction", "subject")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    message: str
    fraction: float
    subject: str
    def __init__(self, kind: _Optional[str] = ..., message: _Optional[str] = ..., fraction: _Optional[float] = ..., subject: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("step", "total_steps", "image_index", "preview", "loss")
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_INDEX_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    step: int
    total_steps: int
    image_index: int
    preview: Image
    loss: float
    def __init__(self, step: _Optional[int] = ..., total_steps: _Optional[int] = ..., image_index: _Optional[int] = ..., preview: _Optional[_Union[Image, _Mapping]] = ..., loss: _Optional[float] = ...) -> None: ...

class Result(_message.Message):
    __slots__ = ("index", "image", "seed", "parameters", "x", "y", "document_width", "document_height", "offset_x", "offset_y", "faces", "archive_id", "policy", "embedding", "note")
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
    FACES_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
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
    faces: _containers.RepeatedCompositeFieldContainer[FaceBox]
    archive_id: str
    policy: str
    embedding: str
    note: str
    def __init__(self, index: _Optional[int] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., seed: _Optional[int] = ..., parameters: _Optional[_Union[GenerationParameters, _Mapping]] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., document_width: _Optional[int] = ..., document_height: _Optional[int] = ..., offset_x: _Optional[int] = ..., offset_y: _Optional[int] = ..., faces: _Optional[_Iterable[_Union[FaceBox, _Mapping]]] = ..., archive_id: _Optional[str] = ..., policy: _Optional[str] = ..., embedding: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class GenerationParameters(_message.Message):
    __slots__ = ("prompt", "negative_prompt", "model", "model_hash", "width", "height", "steps", "guidance", "seed", "sampler", "strength", "tiling", "infotext", "loras", "vae", "clip_skip", "noise", "finishing", "styles", "type")
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
    LORAS_FIELD_NUMBER: _ClassVar[int]
    VAE_FIELD_NUMBER: _ClassVar[int]
    CLIP_SKIP_FIELD_NUMBER: _ClassVar[int]
    NOISE_FIELD_NUMBER: _ClassVar[int]
    FINISHING_FIELD_NUMBER: _ClassVar[int]
    STYLES_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
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
    loras: _containers.RepeatedCompositeFieldContainer[LoraWeight]
    vae: str
    clip_skip: int
    noise: NoiseOptions
    finishing: _containers.RepeatedCompositeFieldContainer[FinishingStep]
    styles: _containers.RepeatedScalarFieldContainer[str]
    type: JobType
    def __init__(self, prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., model: _Optional[str] = ..., model_hash: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., seed: _Optional[int] = ..., sampler: _Optional[str] = ..., strength: _Optional[float] = ..., tiling: _Optional[bool] = ..., infotext: _Optional[str] = ..., loras: _Optional[_Iterable[_Union[LoraWeight, _Mapping]]] = ..., vae: _Optional[str] = ..., clip_skip: _Optional[int] = ..., noise: _Optional[_Union[NoiseOptions, _Mapping]] = ..., finishing: _Optional[_Iterable[_Union[FinishingStep, _Mapping]]] = ..., styles: _Optional[_Iterable[str]] = ..., type: _Optional[_Union[JobType, str]] = ...) -> None: ...

class Finished(_message.Message):
    __slots__ = ("status", "message", "elapsed")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    status: JobStatus
    message: str
    elapsed: float
    def __init__(self, status: _Optional[_Union[JobStatus, str]] = ..., message: _Optional[str] = ..., elapsed: _Optional[float] = ...) -> None: ...

class TokenizePromptRequest(_message.Message):
    __slots__ = ("prompt", "model")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    model: str
    def __init__(self, prompt: _Optional[str] = ..., model: _Optional[str] = ...) -> None: ...

class PromptChunk(_message.Message):
    __slots__ = ("subprompt", "token_count", "capacity", "tokens", "weights")
    SUBPROMPT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    subprompt: int
    token_count: int
    capacity: int
    tokens: _containers.RepeatedScalarFieldContainer[str]
    weights: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, subprompt: _Optional[int] = ..., token_count: _Optional[int] = ..., capacity: _Optional[int] = ..., tokens: _Optional[_Iterable[str]] = ..., weights: _Optional[_Iterable[float]] = ...) -> None: ...

class TokenizePromptResponse(_message.Message):
    __slots__ = ("chunks", "total_tokens", "loras", "embeddings", "warnings")
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LORAS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    chunks: _containers.RepeatedCompositeFieldContainer[PromptChunk]
    total_tokens: int
    loras: _containers.RepeatedCompositeFieldContainer[LoraWeight]
    embeddings: _containers.RepeatedScalarFieldContainer[str]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, chunks: _Optional[_Iterable[_Union[PromptChunk, _Mapping]]] = ..., total_tokens: _Optional[int] = ..., loras: _Optional[_Iterable[_Union[LoraWeight, _Mapping]]] = ..., embeddings: _Optional[_Iterable[str]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class DetectFacesRequest(_message.Message):
    __slots__ = ("image", "min_confidence", "detector")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    image: Image
    min_confidence: float
    detector: str
    def __init__(self, image: _Optional[_Union[Image, _Mapping]] = ..., min_confidence: _Optional[float] = ..., detector: _Optional[str] = ...) -> None: ...

class FaceBox(_message.Message):
    __slots__ = ("x", "y", "width", "height", "score")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    x: int
    y: int
    width: int
    height: int
    score: float
    def __init__(self, x: _Optional[int] = ..., y: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., score: _Optional[float] = ...) -> None: ...

class DetectFacesResponse(_message.Message):
    __slots__ = ("faces", "detector")
    FACES_FIELD_NUMBER: _ClassVar[int]
    DETECTOR_FIELD_NUMBER: _ClassVar[int]
    faces: _containers.RepeatedCompositeFieldContainer[FaceBox]
    detector: str
    def __init__(self, faces: _Optional[_Iterable[_Union[FaceBox, _Mapping]]] = ..., detector: _Optional[str] = ...) -> None: ...
