from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONTENT_ROLE_FIRST_FRAME: ContentRole
CONTENT_ROLE_LAST_FRAME: ContentRole
CONTENT_ROLE_REFERENCE_AUDIO: ContentRole
CONTENT_ROLE_REFERENCE_IMAGE: ContentRole
CONTENT_ROLE_REFERENCE_VIDEO: ContentRole
CONTENT_ROLE_UNSPECIFIED: ContentRole
DESCRIPTOR: _descriptor.FileDescriptor
MEDIA_TYPE_AUDIO: MediaType
MEDIA_TYPE_IMAGE: MediaType
MEDIA_TYPE_UNSPECIFIED: MediaType
MEDIA_TYPE_VIDEO: MediaType
RESOLUTION_480P: Resolution
RESOLUTION_720P: Resolution
RESOLUTION_UNSPECIFIED: Resolution
VIDEO_STATUS_FAILED: VideoStatus
VIDEO_STATUS_QUEUED: VideoStatus
VIDEO_STATUS_RUNNING: VideoStatus
VIDEO_STATUS_SUCCEEDED: VideoStatus
VIDEO_STATUS_UNKNOWN: VideoStatus
VIDEO_STATUS_UNSPECIFIED: VideoStatus

class ContentItem(_message.Message):
    __slots__ = ["role", "type", "url"]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    role: ContentRole
    type: MediaType
    url: str
    def __init__(self, type: _Optional[_Union[MediaType, str]] = ..., url: _Optional[str] = ..., role: _Optional[_Union[ContentRole, str]] = ...) -> None: ...

class CreateVideoRequest(_message.Message):
    __slots__ = ["aspect_ratio", "audio_url", "audio_urls", "content", "duration", "generate_audio", "image_url", "image_urls", "input_video_duration", "model", "prompt", "request_id", "resolution", "validate_only", "video_durations", "video_url", "video_urls", "watermark"]
    ASPECT_RATIO_FIELD_NUMBER: _ClassVar[int]
    AUDIO_URLS_FIELD_NUMBER: _ClassVar[int]
    AUDIO_URL_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    GENERATE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URLS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    INPUT_VIDEO_DURATION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    VIDEO_DURATIONS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URLS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_FIELD_NUMBER: _ClassVar[int]
    aspect_ratio: str
    audio_url: str
    audio_urls: _containers.RepeatedScalarFieldContainer[str]
    content: _containers.RepeatedCompositeFieldContainer[ContentItem]
    duration: int
    generate_audio: bool
    image_url: str
    image_urls: _containers.RepeatedScalarFieldContainer[str]
    input_video_duration: _duration_pb2.Duration
    model: str
    prompt: str
    request_id: str
    resolution: Resolution
    validate_only: bool
    video_durations: _containers.RepeatedCompositeFieldContainer[_duration_pb2.Duration]
    video_url: str
    video_urls: _containers.RepeatedScalarFieldContainer[str]
    watermark: bool
    def __init__(self, model: _Optional[str] = ..., prompt: _Optional[str] = ..., duration: _Optional[int] = ..., resolution: _Optional[_Union[Resolution, str]] = ..., aspect_ratio: _Optional[str] = ..., image_url: _Optional[str] = ..., image_urls: _Optional[_Iterable[str]] = ..., video_url: _Optional[str] = ..., video_urls: _Optional[_Iterable[str]] = ..., video_durations: _Optional[_Iterable[_Union[_duration_pb2.Duration, _Mapping]]] = ..., input_video_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., audio_url: _Optional[str] = ..., audio_urls: _Optional[_Iterable[str]] = ..., generate_audio: bool = ..., watermark: bool = ..., content: _Optional[_Iterable[_Union[ContentItem, _Mapping]]] = ..., validate_only: bool = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateVideoResponse(_message.Message):
    __slots__ = ["video"]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    video: Video
    def __init__(self, video: _Optional[_Union[Video, _Mapping]] = ...) -> None: ...

class GetUsageRequest(_message.Message):
    __slots__ = ["day"]
    DAY_FIELD_NUMBER: _ClassVar[int]
    day: str
    def __init__(self, day: _Optional[str] = ...) -> None: ...

class GetUsageResponse(_message.Message):
    __slots__ = ["day", "limits", "reserved_micros", "spent_micros", "tenant", "unfinished"]
    DAY_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_MICROS_FIELD_NUMBER: _ClassVar[int]
    SPENT_MICROS_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    UNFINISHED_FIELD_NUMBER: _ClassVar[int]
    day: str
    limits: TenantLimits
    reserved_micros: int
    spent_micros: int
    tenant: str
    unfinished: int
    def __init__(self, tenant: _Optional[str] = ..., day: _Optional[str] = ..., reserved_micros: _Optional[int] = ..., spent_micros: _Optional[int] = ..., unfinished: _Optional[int] = ..., limits: _Optional[_Union[TenantLimits, _Mapping]] = ...) -> None: ...

class GetVideoRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetVideoResponse(_message.Message):
    __slots__ = ["video"]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    video: Video
    def __init__(self, video: _Optional[_Union[Video, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ["elapsed", "last_upstream_contact", "upstream_error", "upstream_reachable"]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    LAST_UPSTREAM_CONTACT_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_ERROR_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_REACHABLE_FIELD_NUMBER: _ClassVar[int]
    elapsed: _duration_pb2.Duration
    last_upstream_contact: _timestamp_pb2.Timestamp
    upstream_error: str
    upstream_reachable: bool
    def __init__(self, elapsed: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., last_upstream_contact: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., upstream_reachable: bool = ..., upstream_error: _Optional[str] = ...) -> None: ...

class ListVideosRequest(_message.Message):
    __slots__ = ["filter", "page_size", "page_token"]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: str
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListVideosResponse(_message.Message):
    __slots__ = ["next_page_token", "videos"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VIDEOS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    videos: _containers.RepeatedCompositeFieldContainer[Video]
    def __init__(self, videos: _Optional[_Iterable[_Union[Video, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Price(_message.Message):
    __slots__ = ["actual_micros", "billed_input_video", "currency_code", "estimated_micros", "input_video_unpriced", "rate_micros_per_second"]
    ACTUAL_MICROS_FIELD_NUMBER: _ClassVar[int]
    BILLED_INPUT_VIDEO_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_MICROS_FIELD_NUMBER: _ClassVar[int]
    INPUT_VIDEO_UNPRICED_FIELD_NUMBER: _ClassVar[int]
    RATE_MICROS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    actual_micros: int
    billed_input_video: _duration_pb2.Duration
    currency_code: str
    estimated_micros: int
    input_video_unpriced: bool
    rate_micros_per_second: int
    def __init__(self, currency_code: _Optional[str] = ..., rate_micros_per_second: _Optional[int] = ..., estimated_micros: _Optional[int] = ..., actual_micros: _Optional[int] = ..., billed_input_video: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., input_video_unpriced: bool = ...) -> None: ...

class TenantLimits(_message.Message):
    __slots__ = ["creates_per_minute", "daily_budget_micros", "max_unfinished"]
    CREATES_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    DAILY_BUDGET_MICROS_FIELD_NUMBER: _ClassVar[int]
    MAX_UNFINISHED_FIELD_NUMBER: _ClassVar[int]
    creates_per_minute: int
    daily_budget_micros: int
    max_unfinished: int
    def __init__(self, creates_per_minute: _Optional[int] = ..., max_unfinished: _Optional[int] = ..., daily_budget_micros: _Optional[int] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ["video_duration"]
    VIDEO_DURATION_FIELD_NUMBER: _ClassVar[int]
    video_duration: _duration_pb2.Duration
    def __init__(self, video_duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Video(_message.Message):
    __slots__ = ["cover_image_url", "create_time", "error", "expired", "id", "model", "price", "request_id", "status", "update_time", "upstream_status", "usage", "video_url"]
    COVER_IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_STATUS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    cover_image_url: str
    create_time: _timestamp_pb2.Timestamp
    error: VideoError
    expired: bool
    id: str
    model: str
    price: Price
    request_id: str
    status: VideoStatus
    update_time: _timestamp_pb2.Timestamp
    upstream_status: str
    usage: Usage
    video_url: str
    def __init__(self, id: _Optional[str] = ..., model: _Optional[str] = ..., status: _Optional[_Union[VideoStatus, str]] = ..., upstream_status: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., video_url: _Optional[str] = ..., cover_image_url: _Optional[str] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ..., error: _Optional[_Union[VideoError, _Mapping]] = ..., price: _Optional[_Union[Price, _Mapping]] = ..., request_id: _Optional[str] = ..., expired: bool = ...) -> None: ...

class VideoError(_message.Message):
    __slots__ = ["code", "message", "type"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    type: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class WatchVideoRequest(_message.Message):
    __slots__ = ["after_sequence", "heartbeat_interval", "id"]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    after_sequence: int
    heartbeat_interval: _duration_pb2.Duration
    id: str
    def __init__(self, id: _Optional[str] = ..., after_sequence: _Optional[int] = ..., heartbeat_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class WatchVideoResponse(_message.Message):
    __slots__ = ["event_time", "heartbeat", "sequence", "video"]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    event_time: _timestamp_pb2.Timestamp
    heartbeat: Heartbeat
    sequence: int
    video: Video
    def __init__(self, sequence: _Optional[int] = ..., event_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., video: _Optional[_Union[Video, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class Resolution(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MediaType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ContentRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class VideoStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
