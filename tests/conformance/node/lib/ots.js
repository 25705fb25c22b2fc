'use strict';
// The official Tablestore Node.js SDK, set up for the local server, with what it lacks added
// through its own request pipeline: the Stream calls and ComputeSplitPointsBySize are registered
// with the SDK's encoder and decoder and sent with client.makeRequest, so signing, the content
// MD5, response parsing and the SDK's bundled message definitions are the SDK's.

const TableStore = require('tablestore');
const protos = require('tablestore/lib/protocol/tablestore_compiled_proto.js').main.proto;
const consts = TableStore.plainBufferConsts;
const crc8 = TableStore.plainBufferCrc8;

const extraCalls = {
  listStream: [protos.ListStreamRequest, protos.ListStreamResponse],
  describeStream: [protos.DescribeStreamRequest, protos.DescribeStreamResponse],
  getShardIterator: [protos.GetShardIteratorRequest, protos.GetShardIteratorResponse],
  getStreamRecord: [protos.GetStreamRecordRequest, protos.GetStreamRecordResponse],
  computeSplitPointsBySize: [protos.ComputeSplitPointsBySizeRequest, protos.ComputeSplitPointsBySizeResponse],
};

const sdkEncode = TableStore.encoder.encode;
const sdkDecode = TableStore.decoder.decode;
TableStore.encoder.encode = (operation, params) =>
  extraCalls[operation] ? extraCalls[operation][0].create(params) : sdkEncode(operation, params);
TableStore.decoder.decode = (operation, body) =>
  extraCalls[operation] ? extraCalls[operation][1].decode(body) : sdkDecode(operation, body);

function client(info, overrides = {}) {
  return new TableStore.Client({
    accessKeyId: info.access_key_id, secretAccessKey: info.access_key_secret, endpoint: info.endpoint,
    instancename: info.instance, maxRetries: 0, ...overrides,
  });
}

// Values as JSON: INTEGER {"int": "<decimal>"}, BINARY {"bin": "<hex>"}, the rest as is.
function plain(value) {
  if (value === TableStore.INF_MIN) return 'INF_MIN';
  if (value === TableStore.INF_MAX) return 'INF_MAX';
  if (Buffer.isBuffer(value)) return { bin: value.toString('hex') };
  if (value && typeof value.toNumber === 'function' && value.buffer) return { int: value.toString(10) };
  if (value && typeof value.low === 'number' && typeof value.high === 'number') return { int: value.toString() };
  return value;
}

function plainRow(row) {
  if (!row || !row.primaryKey) return null;
  return {
    pk: row.primaryKey.map(c => [c.name, plain(c.value)]),
    attrs: (row.attributes || []).map(c => [c.columnName, plain(c.columnValue), plain(c.timestamp)]),
  };
}

// The service's error from the SDK's exception: the SDK keeps the HTTP status as `code` and the
// protobuf Error body, read as text, in `message`.
function serviceError(error) {
  const body = String(error.message).replace(/ requestId:\w*$/, '');
  try {
    const decoded = protos.Error.decode(Buffer.from(body, 'utf8'));
    return { status: error.code, code: decoded.code, message: decoded.message };
  } catch (_) {
    return { status: error.code, code: null, message: String(error.message) };
  }
}

// A stream record: one PlainBuffer row whose cells may carry an op type, then the sequence-info
// extension. The SDK's reader stops at both, so this follows the Java SDK's grammar, checking
// every checksum with the SDK's CRC-8.
function readStreamRecord(buffer) {
  let pos = 0;
  const u32 = () => { const v = buffer.readUInt32LE(pos); pos += 4; return v; };
  const tag = () => buffer[pos++];
  if (u32() !== consts.HEADER) throw new Error('bad record header');
  const record = { pk: [], cells: [], deleteMarker: false, sequence: null };
  let rowCrc = 0;
  let next = tag();

  const readCell = () => {
    let crc = 0;
    if (tag() !== consts.TAG_CELL_NAME) throw new Error('expected TAG_CELL_NAME');
    const nameBytes = buffer.slice(pos + 4, pos + 4 + buffer.readUInt32LE(pos));
    pos += 4 + nameBytes.length;
    crc = crc8.crcString(crc, nameBytes);
    const cell = { name: nameBytes.toString('utf8') };
    let t = tag();
    if (t === consts.TAG_CELL_VALUE) {
      const length = u32();
      const payload = buffer.slice(pos, pos + length);
      pos += length;
      crc = crc8.crcString(crc, payload);
      const type = payload[0];
      if (type === consts.VT_INTEGER) cell.value = { int: payload.readBigInt64LE(1).toString() };
      else if (type === consts.VT_DOUBLE) cell.value = payload.readDoubleLE(1);
      else if (type === consts.VT_BOOLEAN) cell.value = payload[1] !== 0;
      else if (type === consts.VT_STRING) cell.value = payload.slice(5).toString('utf8');
      else if (type === consts.VT_BLOB) cell.value = { bin: payload.slice(5).toString('hex') };
      else throw new Error(`value type ${type}`);
      t = tag();
    }
    let op = null;
    if (t === consts.TAG_CELL_TYPE) { op = buffer[pos++]; t = tag(); }
    if (t === consts.TAG_CELL_TIMESTAMP) {
      crc = crc8.crcInt64Buf(crc, buffer.slice(pos, pos + 8));
      cell.timestamp = { int: buffer.readBigInt64LE(pos).toString() };
      pos += 8;
      t = tag();
    }
    if (op !== null) { crc = crc8.crcInt8(crc, op); cell.op = op === consts.DELETE_ONE_VERSION ? 'DELETE_ONE_VERSION'
      : op === consts.DELETE_ALL_VERSION ? 'DELETE_ALL_VERSION' : `op ${op}`; }
    if (t !== consts.TAG_CELL_CHECKSUM || buffer[pos++] !== crc) throw new Error(`cell ${cell.name}: bad checksum`);
    rowCrc = crc8.crcInt8(rowCrc, crc);
    return cell;
  };

  if (next === consts.TAG_ROW_PK) {
    next = tag();
    while (next === consts.TAG_CELL) { const c = readCell(); record.pk.push([c.name, c.value]); next = tag(); }
  }
  if (next === consts.TAG_ROW_DATA) {
    next = tag();
    while (next === consts.TAG_CELL) { record.cells.push(readCell()); next = tag(); }
  }
  if (next === consts.TAG_DELETE_ROW_MARKER) { record.deleteMarker = true; next = tag(); }
  rowCrc = crc8.crcInt8(rowCrc, record.deleteMarker ? 1 : 0);
  if (next === consts.TAG_EXTENSION) {
    const end = pos + 4 + buffer.readUInt32LE(pos);
    pos += 4;
    if (tag() !== consts.TAG_SEQ_INFO) throw new Error('expected TAG_SEQ_INFO');
    pos += 4;
    if (tag() !== consts.TAG_SEQ_INFO_EPOCH) throw new Error('expected the epoch');
    const epoch = u32();
    if (tag() !== consts.TAG_SEQ_INFO_TS) throw new Error('expected the timestamp');
    const timestamp = buffer.readBigInt64LE(pos).toString();
    pos += 8;
    if (tag() !== consts.TAG_SEQ_INFO_ROW_INDEX) throw new Error('expected the row index');
    record.sequence = { epoch, timestamp, rowIndex: u32() };
    pos = end;
    next = tag();
  }
  if (next !== consts.TAG_ROW_CHECKSUM || buffer[pos++] !== rowCrc) throw new Error('bad row checksum');
  if (pos !== buffer.length) throw new Error('bytes after the record');
  return record;
}

// A PK-only PlainBuffer row (split points) through the SDK's own reader.
function readPrimaryKey(buffer) {
  const stream = new TableStore.PlainBufferCodedInputStream(new TableStore.PlainBufferInputStream(buffer));
  return stream.readRow().primaryKey.map(c => [c.name, plain(c.value)]);
}

module.exports = { TableStore, client, plain, plainRow, readPrimaryKey, readStreamRecord, serviceError };
