from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper

DESCRIPTOR: _descriptor.FileDescriptor

class PrimaryKeyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTEGER: _ClassVar[PrimaryKeyType]
    STRING: _ClassVar[PrimaryKeyType]
    BINARY: _ClassVar[PrimaryKeyType]

class PrimaryKeyOption(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTO_INCREMENT: _ClassVar[PrimaryKeyOption]

class DefinedColumnType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DCT_INTEGER: _ClassVar[DefinedColumnType]
    DCT_DOUBLE: _ClassVar[DefinedColumnType]
    DCT_BOOLEAN: _ClassVar[DefinedColumnType]
    DCT_STRING: _ClassVar[DefinedColumnType]
    DCT_BLOB: _ClassVar[DefinedColumnType]

class SSEKeyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SSE_KMS_SERVICE: _ClassVar[SSEKeyType]
    SSE_BYOK: _ClassVar[SSEKeyType]

class IndexUpdateMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IUM_ASYNC_INDEX: _ClassVar[IndexUpdateMode]
    IUM_SYNC_INDEX: _ClassVar[IndexUpdateMode]

class IndexType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IT_GLOBAL_INDEX: _ClassVar[IndexType]
    IT_LOCAL_INDEX: _ClassVar[IndexType]

class IndexSyncPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ISP_INVALID: _ClassVar[IndexSyncPhase]
    ISP_FULL: _ClassVar[IndexSyncPhase]
    ISP_INCR: _ClassVar[IndexSyncPhase]

class StreamStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STREAM_ENABLING: _ClassVar[StreamStatus]
    STREAM_ACTIVE: _ClassVar[StreamStatus]

class ActionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PUT_ROW: _ClassVar[ActionType]
    UPDATE_ROW: _ClassVar[ActionType]
    DELETE_ROW: _ClassVar[ActionType]
INTEGER: PrimaryKeyType
STRING: PrimaryKeyType
BINARY: PrimaryKeyType
AUTO_INCREMENT: PrimaryKeyOption
DCT_INTEGER: DefinedColumnType
DCT_DOUBLE: DefinedColumnType
DCT_BOOLEAN: DefinedColumnType
DCT_STRING: DefinedColumnType
DCT_BLOB: DefinedColumnType
SSE_KMS_SERVICE: SSEKeyType
SSE_BYOK: SSEKeyType
IUM_ASYNC_INDEX: IndexUpdateMode
IUM_SYNC_INDEX: IndexUpdateMode
IT_GLOBAL_INDEX: IndexType
IT_LOCAL_INDEX: IndexType
ISP_INVALID: IndexSyncPhase
ISP_FULL: IndexSyncPhase
ISP_INCR: IndexSyncPhase
STREAM_ENABLING: StreamStatus
STREAM_ACTIVE: StreamStatus
PUT_ROW: ActionType
UPDATE_ROW: ActionType
DELETE_ROW: ActionType

class AccessDeniedDetail(_message.Message):
    __slots__ = ("auth_action", "auth_principal_display_name", "auth_principal_owner_id", "auth_principal_type", "encoded_diagnostic_message", "no_permission_type", "policy_type")
    AUTH_ACTION_FIELD_NUMBER: _ClassVar[int]
    AUTH_PRINCIPAL_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTH_PRINCIPAL_OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_PRINCIPAL_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    POLICY_TYPE_FIELD_NUMBER: _ClassVar[int]
    NO_PERMISSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENCODED_DIAGNOSTIC_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    auth_action: str
    auth_principal_type: str
    auth_principal_owner_id: str
    auth_principal_display_name: str
    policy_type: str
    no_permission_type: str
    encoded_diagnostic_message: str
    def __init__(self, auth_action: str | None = ..., auth_principal_type: str | None = ..., auth_principal_owner_id: str | None = ..., auth_principal_display_name: str | None = ..., policy_type: str | None = ..., no_permission_type: str | None = ..., encoded_diagnostic_message: str | None = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("access_denied_detail", "code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_DENIED_DETAIL_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    access_denied_detail: AccessDeniedDetail
    def __init__(self, code: str | None = ..., message: str | None = ..., access_denied_detail: AccessDeniedDetail | _Mapping | None = ...) -> None: ...

class CapacityUnit(_message.Message):
    __slots__ = ("read", "write")
    READ_FIELD_NUMBER: _ClassVar[int]
    WRITE_FIELD_NUMBER: _ClassVar[int]
    read: int
    write: int
    def __init__(self, read: int | None = ..., write: int | None = ...) -> None: ...

class CapacityDataSize(_message.Message):
    __slots__ = ("read_size", "write_size")
    READ_SIZE_FIELD_NUMBER: _ClassVar[int]
    WRITE_SIZE_FIELD_NUMBER: _ClassVar[int]
    read_size: int
    write_size: int
    def __init__(self, read_size: int | None = ..., write_size: int | None = ...) -> None: ...

class ConsumedCapacity(_message.Message):
    __slots__ = ("capacity_data_size", "capacity_unit")
    CAPACITY_UNIT_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_DATA_SIZE_FIELD_NUMBER: _ClassVar[int]
    capacity_unit: CapacityUnit
    capacity_data_size: CapacityDataSize
    def __init__(self, capacity_unit: CapacityUnit | _Mapping | None = ..., capacity_data_size: CapacityDataSize | _Mapping | None = ...) -> None: ...

class ReservedThroughput(_message.Message):
    __slots__ = ("capacity_unit",)
    CAPACITY_UNIT_FIELD_NUMBER: _ClassVar[int]
    capacity_unit: CapacityUnit
    def __init__(self, capacity_unit: CapacityUnit | _Mapping | None = ...) -> None: ...

class ReservedThroughputDetails(_message.Message):
    __slots__ = ("capacity_unit", "last_decrease_time", "last_increase_time")
    CAPACITY_UNIT_FIELD_NUMBER: _ClassVar[int]
    LAST_INCREASE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_DECREASE_TIME_FIELD_NUMBER: _ClassVar[int]
    capacity_unit: CapacityUnit
    last_increase_time: int
    last_decrease_time: int
    def __init__(self, capacity_unit: CapacityUnit | _Mapping | None = ..., last_increase_time: int | None = ..., last_decrease_time: int | None = ...) -> None: ...

class PrimaryKeySchema(_message.Message):
    __slots__ = ("name", "option", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: PrimaryKeyType
    option: PrimaryKeyOption
    def __init__(self, name: str | None = ..., type: PrimaryKeyType | str | None = ..., option: PrimaryKeyOption | str | None = ...) -> None: ...

class DefinedColumnSchema(_message.Message):
    __slots__ = ("name", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: DefinedColumnType
    def __init__(self, name: str | None = ..., type: DefinedColumnType | str | None = ...) -> None: ...

class TableMeta(_message.Message):
    __slots__ = ("defined_column", "global_table_id", "primary_key", "table_id", "table_name")
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_KEY_FIELD_NUMBER: _ClassVar[int]
    DEFINED_COLUMN_FIELD_NUMBER: _ClassVar[int]
    TABLE_ID_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_TABLE_ID_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    primary_key: _containers.RepeatedCompositeFieldContainer[PrimaryKeySchema]
    defined_column: _containers.RepeatedCompositeFieldContainer[DefinedColumnSchema]
    table_id: str
    global_table_id: str
    def __init__(self, table_name: str | None = ..., primary_key: _Iterable[PrimaryKeySchema | _Mapping] | None = ..., defined_column: _Iterable[DefinedColumnSchema | _Mapping] | None = ..., table_id: str | None = ..., global_table_id: str | None = ...) -> None: ...

class TableOptions(_message.Message):
    __slots__ = ("allow_update", "deviation_cell_version_in_sec", "max_versions", "time_to_live", "update_full_row")
    TIME_TO_LIVE_FIELD_NUMBER: _ClassVar[int]
    MAX_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    DEVIATION_CELL_VERSION_IN_SEC_FIELD_NUMBER: _ClassVar[int]
    ALLOW_UPDATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FULL_ROW_FIELD_NUMBER: _ClassVar[int]
    time_to_live: int
    max_versions: int
    deviation_cell_version_in_sec: int
    allow_update: bool
    update_full_row: bool
    def __init__(self, time_to_live: int | None = ..., max_versions: int | None = ..., deviation_cell_version_in_sec: int | None = ..., allow_update: bool = ..., update_full_row: bool = ...) -> None: ...

class PartitionRange(_message.Message):
    __slots__ = ("begin", "end")
    BEGIN_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    begin: bytes
    end: bytes
    def __init__(self, begin: bytes | None = ..., end: bytes | None = ...) -> None: ...

class SSESpecification(_message.Message):
    __slots__ = ("enable", "key_id", "key_type", "role_arn")
    ENABLE_FIELD_NUMBER: _ClassVar[int]
    KEY_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_ARN_FIELD_NUMBER: _ClassVar[int]
    enable: bool
    key_type: SSEKeyType
    key_id: bytes
    role_arn: bytes
    def __init__(self, enable: bool = ..., key_type: SSEKeyType | str | None = ..., key_id: bytes | None = ..., role_arn: bytes | None = ...) -> None: ...

class SSEDetails(_message.Message):
    __slots__ = ("enable", "key_id", "key_type", "role_arn")
    ENABLE_FIELD_NUMBER: _ClassVar[int]
    KEY_TYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_ARN_FIELD_NUMBER: _ClassVar[int]
    enable: bool
    key_type: SSEKeyType
    key_id: bytes
    role_arn: bytes
    def __init__(self, enable: bool = ..., key_type: SSEKeyType | str | None = ..., key_id: bytes | None = ..., role_arn: bytes | None = ...) -> None: ...

class IndexMeta(_message.Message):
    __slots__ = ("defined_column", "index_sync_phase", "index_type", "index_update_mode", "name", "primary_key")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_KEY_FIELD_NUMBER: _ClassVar[int]
    DEFINED_COLUMN_FIELD_NUMBER: _ClassVar[int]
    INDEX_UPDATE_MODE_FIELD_NUMBER: _ClassVar[int]
    INDEX_TYPE_FIELD_NUMBER: _ClassVar[int]
    INDEX_SYNC_PHASE_FIELD_NUMBER: _ClassVar[int]
    name: str
    primary_key: _containers.RepeatedScalarFieldContainer[str]
    defined_column: _containers.RepeatedScalarFieldContainer[str]
    index_update_mode: IndexUpdateMode
    index_type: IndexType
    index_sync_phase: IndexSyncPhase
    def __init__(self, name: str | None = ..., primary_key: _Iterable[str] | None = ..., defined_column: _Iterable[str] | None = ..., index_update_mode: IndexUpdateMode | str | None = ..., index_type: IndexType | str | None = ..., index_sync_phase: IndexSyncPhase | str | None = ...) -> None: ...

class StreamSpecification(_message.Message):
    __slots__ = ("columns_to_get", "enable_stream", "expiration_time")
    ENABLE_STREAM_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_TIME_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_TO_GET_FIELD_NUMBER: _ClassVar[int]
    enable_stream: bool
    expiration_time: int
    columns_to_get: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, enable_stream: bool = ..., expiration_time: int | None = ..., columns_to_get: _Iterable[str] | None = ...) -> None: ...

class StreamDetails(_message.Message):
    __slots__ = ("columns_to_get", "enable_stream", "expiration_time", "last_enable_time", "stream_id")
    ENABLE_STREAM_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ENABLE_TIME_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_TO_GET_FIELD_NUMBER: _ClassVar[int]
    enable_stream: bool
    stream_id: str
    expiration_time: int
    last_enable_time: int
    columns_to_get: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, enable_stream: bool = ..., stream_id: str | None = ..., expiration_time: int | None = ..., last_enable_time: int | None = ..., columns_to_get: _Iterable[str] | None = ...) -> None: ...

class CreateTableRequest(_message.Message):
    __slots__ = ("enable_local_txn", "index_metas", "partitions", "reserved_throughput", "sse_spec", "stream_spec", "table_meta", "table_options")
    TABLE_META_FIELD_NUMBER: _ClassVar[int]
    RESERVED_THROUGHPUT_FIELD_NUMBER: _ClassVar[int]
    TABLE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    STREAM_SPEC_FIELD_NUMBER: _ClassVar[int]
    SSE_SPEC_FIELD_NUMBER: _ClassVar[int]
    INDEX_METAS_FIELD_NUMBER: _ClassVar[int]
    ENABLE_LOCAL_TXN_FIELD_NUMBER: _ClassVar[int]
    table_meta: TableMeta
    reserved_throughput: ReservedThroughput
    table_options: TableOptions
    partitions: _containers.RepeatedCompositeFieldContainer[PartitionRange]
    stream_spec: StreamSpecification
    sse_spec: SSESpecification
    index_metas: _containers.RepeatedCompositeFieldContainer[IndexMeta]
    enable_local_txn: bool
    def __init__(self, table_meta: TableMeta | _Mapping | None = ..., reserved_throughput: ReservedThroughput | _Mapping | None = ..., table_options: TableOptions | _Mapping | None = ..., partitions: _Iterable[PartitionRange | _Mapping] | None = ..., stream_spec: StreamSpecification | _Mapping | None = ..., sse_spec: SSESpecification | _Mapping | None = ..., index_metas: _Iterable[IndexMeta | _Mapping] | None = ..., enable_local_txn: bool = ...) -> None: ...

class CreateTableResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateTableRequest(_message.Message):
    __slots__ = ("reserved_throughput", "stream_spec", "table_name", "table_options")
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    RESERVED_THROUGHPUT_FIELD_NUMBER: _ClassVar[int]
    TABLE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    STREAM_SPEC_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    reserved_throughput: ReservedThroughput
    table_options: TableOptions
    stream_spec: StreamSpecification
    def __init__(self, table_name: str | None = ..., reserved_throughput: ReservedThroughput | _Mapping | None = ..., table_options: TableOptions | _Mapping | None = ..., stream_spec: StreamSpecification | _Mapping | None = ...) -> None: ...

class UpdateTableResponse(_message.Message):
    __slots__ = ("reserved_throughput_details", "stream_details", "table_options")
    RESERVED_THROUGHPUT_DETAILS_FIELD_NUMBER: _ClassVar[int]
    TABLE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    STREAM_DETAILS_FIELD_NUMBER: _ClassVar[int]
    reserved_throughput_details: ReservedThroughputDetails
    table_options: TableOptions
    stream_details: StreamDetails
    def __init__(self, reserved_throughput_details: ReservedThroughputDetails | _Mapping | None = ..., table_options: TableOptions | _Mapping | None = ..., stream_details: StreamDetails | _Mapping | None = ...) -> None: ...

class DescribeTableRequest(_message.Message):
    __slots__ = ("table_name",)
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    def __init__(self, table_name: str | None = ...) -> None: ...

class DescribeTableResponse(_message.Message):
    __slots__ = ("creation_time", "index_metas", "reserved_throughput_details", "shard_splits", "sse_details", "stream_details", "table_meta", "table_options")
    TABLE_META_FIELD_NUMBER: _ClassVar[int]
    RESERVED_THROUGHPUT_DETAILS_FIELD_NUMBER: _ClassVar[int]
    TABLE_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    STREAM_DETAILS_FIELD_NUMBER: _ClassVar[int]
    SHARD_SPLITS_FIELD_NUMBER: _ClassVar[int]
    SSE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    INDEX_METAS_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    table_meta: TableMeta
    reserved_throughput_details: ReservedThroughputDetails
    table_options: TableOptions
    stream_details: StreamDetails
    shard_splits: _containers.RepeatedScalarFieldContainer[bytes]
    sse_details: SSEDetails
    index_metas: _containers.RepeatedCompositeFieldContainer[IndexMeta]
    creation_time: int
    def __init__(self, table_meta: TableMeta | _Mapping | None = ..., reserved_throughput_details: ReservedThroughputDetails | _Mapping | None = ..., table_options: TableOptions | _Mapping | None = ..., stream_details: StreamDetails | _Mapping | None = ..., shard_splits: _Iterable[bytes] | None = ..., sse_details: SSEDetails | _Mapping | None = ..., index_metas: _Iterable[IndexMeta | _Mapping] | None = ..., creation_time: int | None = ...) -> None: ...

class ComputeSplitPointsBySizeRequest(_message.Message):
    __slots__ = ("split_point_limit", "split_size", "split_size_unit_in_byte", "table_name")
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    SPLIT_SIZE_FIELD_NUMBER: _ClassVar[int]
    SPLIT_SIZE_UNIT_IN_BYTE_FIELD_NUMBER: _ClassVar[int]
    SPLIT_POINT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    split_size: int
    split_size_unit_in_byte: int
    split_point_limit: int
    def __init__(self, table_name: str | None = ..., split_size: int | None = ..., split_size_unit_in_byte: int | None = ..., split_point_limit: int | None = ...) -> None: ...

class ComputeSplitPointsBySizeResponse(_message.Message):
    __slots__ = ("consumed", "locations", "schema", "split_points")
    class SplitLocation(_message.Message):
        __slots__ = ("location", "repeat")
        LOCATION_FIELD_NUMBER: _ClassVar[int]
        REPEAT_FIELD_NUMBER: _ClassVar[int]
        location: str
        repeat: int
        def __init__(self, location: str | None = ..., repeat: int | None = ...) -> None: ...
    CONSUMED_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SPLIT_POINTS_FIELD_NUMBER: _ClassVar[int]
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    consumed: ConsumedCapacity
    schema: _containers.RepeatedCompositeFieldContainer[PrimaryKeySchema]
    split_points: _containers.RepeatedScalarFieldContainer[bytes]
    locations: _containers.RepeatedCompositeFieldContainer[ComputeSplitPointsBySizeResponse.SplitLocation]
    def __init__(self, consumed: ConsumedCapacity | _Mapping | None = ..., schema: _Iterable[PrimaryKeySchema | _Mapping] | None = ..., split_points: _Iterable[bytes] | None = ..., locations: _Iterable[ComputeSplitPointsBySizeResponse.SplitLocation | _Mapping] | None = ...) -> None: ...

class ListStreamRequest(_message.Message):
    __slots__ = ("table_name",)
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    table_name: str
    def __init__(self, table_name: str | None = ...) -> None: ...

class Stream(_message.Message):
    __slots__ = ("creation_time", "stream_id", "table_name")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    table_name: str
    creation_time: int
    def __init__(self, stream_id: str | None = ..., table_name: str | None = ..., creation_time: int | None = ...) -> None: ...

class ListStreamResponse(_message.Message):
    __slots__ = ("streams",)
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[Stream]
    def __init__(self, streams: _Iterable[Stream | _Mapping] | None = ...) -> None: ...

class StreamShard(_message.Message):
    __slots__ = ("parent_id", "parent_sibling_id", "shard_id")
    SHARD_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_SIBLING_ID_FIELD_NUMBER: _ClassVar[int]
    shard_id: str
    parent_id: str
    parent_sibling_id: str
    def __init__(self, shard_id: str | None = ..., parent_id: str | None = ..., parent_sibling_id: str | None = ...) -> None: ...

class DescribeStreamRequest(_message.Message):
    __slots__ = ("inclusive_start_shard_id", "shard_limit", "stream_id", "support_timeseries_data_table")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUSIVE_START_SHARD_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_TIMESERIES_DATA_TABLE_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    inclusive_start_shard_id: str
    shard_limit: int
    support_timeseries_data_table: bool
    def __init__(self, stream_id: str | None = ..., inclusive_start_shard_id: str | None = ..., shard_limit: int | None = ..., support_timeseries_data_table: bool = ...) -> None: ...

class DescribeStreamResponse(_message.Message):
    __slots__ = ("creation_time", "expiration_time", "is_timeseries_data_table", "next_shard_id", "shards", "stream_id", "stream_status", "table_name")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_TIME_FIELD_NUMBER: _ClassVar[int]
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATION_TIME_FIELD_NUMBER: _ClassVar[int]
    STREAM_STATUS_FIELD_NUMBER: _ClassVar[int]
    SHARDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_SHARD_ID_FIELD_NUMBER: _ClassVar[int]
    IS_TIMESERIES_DATA_TABLE_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    expiration_time: int
    table_name: str
    creation_time: int
    stream_status: StreamStatus
    shards: _containers.RepeatedCompositeFieldContainer[StreamShard]
    next_shard_id: str
    is_timeseries_data_table: bool
    def __init__(self, stream_id: str | None = ..., expiration_time: int | None = ..., table_name: str | None = ..., creation_time: int | None = ..., stream_status: StreamStatus | str | None = ..., shards: _Iterable[StreamShard | _Mapping] | None = ..., next_shard_id: str | None = ..., is_timeseries_data_table: bool = ...) -> None: ...

class GetShardIteratorRequest(_message.Message):
    __slots__ = ("shard_id", "stream_id", "timestamp", "token")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    SHARD_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    shard_id: str
    timestamp: int
    token: str
    def __init__(self, stream_id: str | None = ..., shard_id: str | None = ..., timestamp: int | None = ..., token: str | None = ...) -> None: ...

class GetShardIteratorResponse(_message.Message):
    __slots__ = ("next_token", "shard_iterator")
    SHARD_ITERATOR_FIELD_NUMBER: _ClassVar[int]
    NEXT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shard_iterator: str
    next_token: str
    def __init__(self, shard_iterator: str | None = ..., next_token: str | None = ...) -> None: ...

class GetStreamRecordRequest(_message.Message):
    __slots__ = ("limit", "shard_iterator", "table_name")
    SHARD_ITERATOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    shard_iterator: str
    limit: int
    table_name: str
    def __init__(self, shard_iterator: str | None = ..., limit: int | None = ..., table_name: str | None = ...) -> None: ...

class GetStreamRecordResponse(_message.Message):
    __slots__ = ("consumed", "may_more_record", "next_shard_iterator", "stream_records")
    class StreamRecord(_message.Message):
        __slots__ = ("action_type", "origin_record", "record")
        ACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
        RECORD_FIELD_NUMBER: _ClassVar[int]
        ORIGIN_RECORD_FIELD_NUMBER: _ClassVar[int]
        action_type: ActionType
        record: bytes
        origin_record: bytes
        def __init__(self, action_type: ActionType | str | None = ..., record: bytes | None = ..., origin_record: bytes | None = ...) -> None: ...
    STREAM_RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_SHARD_ITERATOR_FIELD_NUMBER: _ClassVar[int]
    CONSUMED_FIELD_NUMBER: _ClassVar[int]
    MAY_MORE_RECORD_FIELD_NUMBER: _ClassVar[int]
    stream_records: _containers.RepeatedCompositeFieldContainer[GetStreamRecordResponse.StreamRecord]
    next_shard_iterator: str
    consumed: ConsumedCapacity
    may_more_record: bool
    def __init__(self, stream_records: _Iterable[GetStreamRecordResponse.StreamRecord | _Mapping] | None = ..., next_shard_iterator: str | None = ..., consumed: ConsumedCapacity | _Mapping | None = ..., may_more_record: bool = ...) -> None: ...
