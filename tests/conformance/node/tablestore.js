'use strict';
// The local Tablestore server through the official Node.js SDK (npm tablestore). Each step
// returns what the SDK decoded; tests/conformance/test_tablestore_node.py asserts on it.

const protobuf = require('protobufjs');  // the SDK's own protobuf library (its dependency, pinned by the lock)
const { call, endpoints, failure, run } = require('./lib/harness');
const { TableStore, client, plainRow, readPrimaryKey, readStreamRecord, serviceError } = require('./lib/ots');

const { Long, INF_MIN, INF_MAX } = TableStore;
const ots = client(endpoints.tablestore);
const ignore = () => new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);
const expectNotExist = () => new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null);
const now = Date.now();

const ROWS = 'node_rows';    // stream on, 5 versions
const RANGE = 'node_range';  // (g INTEGER, s STRING)
const SPLIT = 'node_split';

function createTable(name, primaryKey, maxVersions = 1, stream = false) {
  const params = {
    tableMeta: { tableName: name, primaryKey },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions },
  };
  if (stream) params.streamSpecification = { enableStream: true, expirationTime: 24 };
  return call(`createTable ${name}`, ots.createTable(params));
}

const key = (pk, n) => [{ pk }, { n: Long.fromNumber(n) }];

async function scan(table, start, end, direction, extra = {}) {
  const rows = [];
  let pages = 0;
  let next = start;
  while (next) {
    const page = await call(`getRange ${table} page ${pages + 1}`, ots.getRange({
      tableName: table, direction, maxVersions: 1, inclusiveStartPrimaryKey: next, exclusiveEndPrimaryKey: end,
      ...extra }));
    rows.push(...page.rows.map(plainRow));
    pages += 1;
    next = page.nextStartPrimaryKey ? page.nextStartPrimaryKey.map(c => ({ [c.name]: c.value })) : null;
  }
  return { rows, pages };
}

async function batchPut(table, rows) {
  for (let first = 0; first < rows.length; first += 200) {
    await call(`batchWriteRow ${table} rows ${first}+`, ots.batchWriteRow({ tables: [{
      tableName: table, rows: rows.slice(first, first + 200).map(([primaryKey, attributeColumns]) => ({
        type: 'PUT', condition: ignore(), primaryKey, attributeColumns })) }] }));
  }
}

run({
  // The SDK's own .proto, as protobufjs reads it: the field tables to hold the server's against.
  async bundledProto() {
    const root = protobuf.loadSync(require.resolve('tablestore/lib/protocol/tablestore.proto'));
    const messages = {};
    const walk = (namespace, prefix) => {
      for (const item of namespace.nestedArray) {
        if (item instanceof protobuf.Type) {
          messages[prefix + item.name] = item.fieldsArray.map(f => [f.id, f.type, f.rule || 'optional']);
          walk(item, `${prefix}${item.name}.`);
        } else if (item instanceof protobuf.Namespace) {
          walk(item, '');
        }
      }
    };
    walk(root, '');
    return messages;
  },

  async describeTable() {
    await createTable(ROWS, [{ name: 'pk', type: 'STRING' }, { name: 'n', type: 'INTEGER' }], 5, true);
    const described = await call('describeTable', ots.describeTable({ tableName: ROWS }));
    const listed = await call('listTable', ots.listTable({}));
    return {
      tableStatus: described.tableStatus,
      primaryKey: described.tableMeta.primaryKey.map(c => [c.name, c.type]),
      maxVersions: described.tableOptions.maxVersions,
      timeToLive: described.tableOptions.timeToLive,
      stream: { enabled: described.streamDetails.enableStream, hours: described.streamDetails.expirationTime,
                id: described.streamDetails.streamId },
      listed: listed.tableNames.includes(ROWS),
    };
  },

  async rowTypes() {
    const put = await call('putRow', ots.putRow({
      tableName: ROWS, condition: expectNotExist(), primaryKey: key('types', 1),
      attributeColumns: [{ s: 'héllo 测试' }, { i: Long.fromNumber(-42) }, { d: 2.5 }, { t: true },
                         { b: Buffer.from([0, 1, 255]) }, { big: Long.fromString('9007199254740993') }],
      returnContent: { returnType: TableStore.ReturnType.Primarykey } }));
    const got = await call('getRow', ots.getRow({ tableName: ROWS, primaryKey: key('types', 1), maxVersions: 1 }));
    const some = await call('getRow columnsToGet', ots.getRow({
      tableName: ROWS, primaryKey: key('types', 1), maxVersions: 1, columnsToGet: ['s', 't'] }));
    const missing = await call('getRow missing', ots.getRow({ tableName: ROWS, primaryKey: key('none', 0), maxVersions: 1 }));
    const again = await failure('putRow EXPECT_NOT_EXIST', ots.putRow({
      tableName: ROWS, condition: expectNotExist(), primaryKey: key('types', 1), attributeColumns: [{ s: 'x' }] }),
    serviceError);
    return { returned: plainRow(put.row), row: plainRow(got.row), some: plainRow(some.row),
             missing: plainRow(missing.row), again };
  },

  async updateRowVersions() {
    const pk = key('versions', 2);
    for (let v = 0; v < 4; v += 1) {
      await call(`updateRow PUT version ${v}`, ots.updateRow({
        tableName: ROWS, condition: ignore(), primaryKey: pk,
        updateOfAttributeColumns: [{ PUT: [{ c: `v${v}`, timestamp: Long.fromNumber(now - 10000 + v) }] }] }));
    }
    await call('updateRow PUT other', ots.updateRow({ tableName: ROWS, condition: ignore(), primaryKey: pk,
      updateOfAttributeColumns: [{ PUT: [{ other: 'x', timestamp: Long.fromNumber(now - 5000) }] }] }));
    const all = await call('getRow maxVersions 10', ots.getRow({ tableName: ROWS, primaryKey: pk, maxVersions: 10 }));
    await call('updateRow DELETE one version', ots.updateRow({ tableName: ROWS, condition: ignore(), primaryKey: pk,
      updateOfAttributeColumns: [{ DELETE: [{ c: Long.fromNumber(now - 10000 + 3) }] }] }));
    const afterDelete = await call('getRow after DELETE', ots.getRow({ tableName: ROWS, primaryKey: pk, maxVersions: 10 }));
    const window = await call('getRow timeRange', ots.getRow({ tableName: ROWS, primaryKey: pk,
      timeRange: { startTime: String(now - 10000 + 1), endTime: String(now - 10000 + 3) } }));
    await call('updateRow DELETE_ALL', ots.updateRow({ tableName: ROWS, condition: ignore(), primaryKey: pk,
      updateOfAttributeColumns: [{ DELETE_ALL: ['other'] }] }));
    const afterDeleteAll = await call('getRow after DELETE_ALL', ots.getRow({ tableName: ROWS, primaryKey: pk, maxVersions: 10 }));
    await call('deleteRow', ots.deleteRow({ tableName: ROWS, condition: ignore(), primaryKey: key('types', 1) }));
    const deleted = await call('getRow deleted', ots.getRow({ tableName: ROWS, primaryKey: key('types', 1), maxVersions: 1 }));
    return { base: now - 10000, all: plainRow(all.row), afterDelete: plainRow(afterDelete.row),
             window: plainRow(window.row), afterDeleteAll: plainRow(afterDeleteAll.row), deleted: plainRow(deleted.row) };
  },

  async getRangePaging() {
    await createTable(RANGE, [{ name: 'g', type: 'INTEGER' }, { name: 's', type: 'STRING' }], 3);
    const rows = [];
    for (let i = 0; i < 450; i += 1) {
      rows.push([[{ g: Long.fromNumber(i % 3) }, { s: String(i).padStart(5, '0') }], [{ v: Long.fromNumber(i) }]]);
    }
    await batchPut(RANGE, rows);
    const all = [{ g: INF_MIN }, { s: INF_MIN }];
    const top = [{ g: INF_MAX }, { s: INF_MAX }];
    const forward = await scan(RANGE, all, top, TableStore.Direction.FORWARD, { limit: 100 });
    const backward = await scan(RANGE, top, all, TableStore.Direction.BACKWARD);
    const middle = await scan(RANGE, [{ g: Long.fromNumber(1) }, { s: '00100' }], [{ g: Long.fromNumber(2) }, { s: INF_MIN }],
      TableStore.Direction.FORWARD);
    return {
      forwardPages: forward.pages, forward: forward.rows.map(r => r.pk),
      backward: backward.rows.map(r => r.pk), middle: middle.rows.map(r => r.pk[1][1]),
      firstValue: forward.rows[0].attrs,
    };
  },

  async getRangeVersions() {
    const pk = [{ g: Long.fromNumber(9) }, { s: 'multi' }];
    for (let v = 0; v < 3; v += 1) {
      await call(`updateRow version ${v}`, ots.updateRow({ tableName: RANGE, condition: ignore(), primaryKey: pk,
        updateOfAttributeColumns: [{ PUT: [{ m: `m${v}`, timestamp: Long.fromNumber(now - 3000 + v) }] }] }));
    }
    const versions = await call('getRange maxVersions 3', ots.getRange({
      tableName: RANGE, direction: TableStore.Direction.FORWARD, maxVersions: 3,
      inclusiveStartPrimaryKey: pk, exclusiveEndPrimaryKey: [{ g: Long.fromNumber(9) }, { s: INF_MAX }] }));
    const ranged = await call('getRange timeRange', ots.getRange({
      tableName: RANGE, direction: TableStore.Direction.FORWARD,
      timeRange: { startTime: String(now - 3000), endTime: String(now - 3000 + 2) },
      inclusiveStartPrimaryKey: pk, exclusiveEndPrimaryKey: [{ g: Long.fromNumber(9) }, { s: INF_MAX }] }));
    return { base: now - 3000, versions: versions.rows.map(plainRow), ranged: ranged.rows.map(plainRow) };
  },

  async batchOps() {
    await call('putRow seed', ots.putRow({ tableName: ROWS, condition: ignore(), primaryKey: key('batch', 1),
      attributeColumns: [{ v: 'one' }] }));
    const written = await call('batchWriteRow', ots.batchWriteRow({ tables: [{ tableName: ROWS, rows: [
      { type: 'PUT', condition: expectNotExist(), primaryKey: key('batch', 2), attributeColumns: [{ v: 'two' }] },
      { type: 'PUT', condition: expectNotExist(), primaryKey: key('batch', 1), attributeColumns: [{ v: 'clash' }] },
      { type: 'UPDATE', condition: ignore(), primaryKey: key('batch', 3), attributeColumns: [{ PUT: [{ v: 'three' }] }] },
      { type: 'DELETE', condition: ignore(), primaryKey: key('batch', 4) },
      { type: 'PUT', condition: ignore(), primaryKey: [{ pk: 'batch' }, { n: 'not an integer' }], attributeColumns: [{ v: 'x' }] },
    ] }] }));
    const read = await call('batchGetRow', ots.batchGetRow({ tables: [{
      tableName: ROWS, primaryKey: [1, 2, 3, 4].map(n => key('batch', n)), maxVersions: 1 }] }));
    return {
      written: written.tables.map(t => ({ ok: t.isOk, code: t.errorCode || null, message: t.errorMessage || null })),
      read: read.tables[0].map(r => ({ ok: r.isOk, row: plainRow(r) })),
    };
  },

  async invalidPrimaryKey() {
    const name = await failure('getRow wrong name', ots.getRow({ tableName: ROWS,
      primaryKey: [{ other: 'a' }, { n: Long.fromNumber(1) }], maxVersions: 1 }), serviceError);
    const type = await failure('putRow wrong type', ots.putRow({ tableName: ROWS, condition: ignore(),
      primaryKey: [{ pk: Long.fromNumber(5) }, { n: Long.fromNumber(1) }], attributeColumns: [{ v: 1 }] }), serviceError);
    const size = await failure('deleteRow wrong count', ots.deleteRow({ tableName: ROWS, condition: ignore(),
      primaryKey: [{ pk: 'a' }] }), serviceError);
    const range = await failure('getRange wrong count', ots.getRange({ tableName: ROWS,
      direction: TableStore.Direction.FORWARD, maxVersions: 1,
      inclusiveStartPrimaryKey: [{ pk: INF_MIN }], exclusiveEndPrimaryKey: [{ pk: INF_MAX }] }), serviceError);
    return { name, type, size, range };
  },

  async emptyBatchWriteRow() {
    return failure('batchWriteRow with a table without rows',
      ots.batchWriteRow({ tables: [{ tableName: ROWS, rows: [] }] }), serviceError);
  },

  async unsupportedFeatures() {
    const filter = await failure('getRange with a column filter', ots.getRange({ tableName: RANGE,
      direction: TableStore.Direction.FORWARD, maxVersions: 1,
      inclusiveStartPrimaryKey: [{ g: INF_MIN }, { s: INF_MIN }], exclusiveEndPrimaryKey: [{ g: INF_MAX }, { s: INF_MAX }],
      columnFilter: new TableStore.SingleColumnCondition('v', Long.fromNumber(1), TableStore.ComparatorType.EQUAL) }),
    serviceError);
    const autoIncrement = await failure('createTable with AUTO_INCREMENT', ots.createTable({
      tableMeta: { tableName: 'node_auto', primaryKey: [{ name: 'a', type: 'STRING' },
                                                          { name: 'b', type: 'INTEGER', option: 'AUTO_INCREMENT' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } }, tableOptions: { timeToLive: -1, maxVersions: 1 } }),
    serviceError);
    return { filter, autoIncrement };
  },

  async splitPoints() {
    await createTable(SPLIT, [{ name: 'id', type: 'INTEGER' }]);
    const value = 'x'.repeat(50000);
    await batchPut(SPLIT, Array.from({ length: 60 }, (_, i) => [[{ id: Long.fromNumber(i) }], [{ v: value }]]));
    const split = await call('computeSplitPointsBySize', ots.makeRequest('computeSplitPointsBySize', {
      tableName: SPLIT, splitSize: 1, splitSizeUnitInByte: 1024 * 1024 }));
    const empty = await failure('computeSplitPointsBySize size 0', ots.makeRequest('computeSplitPointsBySize', {
      tableName: SPLIT, splitSize: 0 }), serviceError);
    return {
      schema: split.schema.map(c => [c.name, c.type]),
      points: split.splitPoints.map(readPrimaryKey),
      locations: split.locations.map(l => [l.location, Number(l.repeat)]),
      consumedRead: split.consumed.capacityUnit.read,
      empty,
    };
  },

  async streamCalls() {
    const described = await call('describeTable', ots.describeTable({ tableName: ROWS }));
    const streamId = described.streamDetails.streamId;
    const streams = await call('listStream', ots.makeRequest('listStream', { tableName: ROWS }));
    const shards = [];
    let start = null;
    do {  // one shard per page: DescribeStream's paging
      const page = await call('describeStream', ots.makeRequest('describeStream', {
        streamId, shardLimit: 1, ...(start ? { inclusiveStartShardId: start } : {}) }));
      shards.push(...page.shards.map(s => s.shardId));
      start = page.nextShardId || null;
      if (shards.length > 10) throw new Error('describeStream paging does not end');
    } while (start);
    const records = [];
    for (const shardId of shards) {
      let iterator = (await call('getShardIterator', ots.makeRequest('getShardIterator', { streamId, shardId }))).shardIterator;
      for (let reads = 0; iterator && reads < 50; reads += 1) {
        const batch = await call('getStreamRecord', ots.makeRequest('getStreamRecord', { shardIterator: iterator, limit: 3 }));
        records.push(...batch.streamRecords.map(r => ({ action: r.actionType, shard: shardId, ...readStreamRecord(r.record) })));
        if (!batch.streamRecords.length) break;
        iterator = batch.nextShardIterator;
      }
    }
    const badIterator = await failure('getStreamRecord bad iterator', ots.makeRequest('getStreamRecord', {
      shardIterator: 'not-an-iterator', limit: 1 }), serviceError);
    return { streamId, streams: streams.streams.map(s => [s.streamId, s.tableName]), shards, records, badIterator };
  },

  async tableLifecycle() {
    await call('updateTable', ots.updateTable({ tableName: RANGE, tableOptions: { maxVersions: 7 } }));
    const updated = await call('describeTable', ots.describeTable({ tableName: RANGE }));
    await call('deleteTable', ots.deleteTable({ tableName: RANGE }));
    const gone = await failure('describeTable deleted', ots.describeTable({ tableName: RANGE }), serviceError);
    const listed = await call('listTable', ots.listTable({}));
    return { maxVersions: updated.tableOptions.maxVersions, gone, listed: listed.tableNames };
  },

  async cleanup() {  // the servers are the test session's: leave no table or stream behind
    for (const table of [ROWS, SPLIT]) await call(`deleteTable ${table}`, ots.deleteTable({ tableName: table }));
    return true;
  },
});
