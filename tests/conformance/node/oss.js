'use strict';
// The local OSS server through the official Node.js SDK (npm ali-oss), in every addressing style
// it uses. Each step returns what the SDK answered; tests/conformance/test_oss_node.py asserts on
// it. LOCALCLOUD_OSS_BUCKET names an empty bucket to work in and LOCALCLOUD_OSS_CNAME a domain
// bound to it.

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const OSS = require('ali-oss');
const { agent, call, endpoints, failure, fetchUrl, run, sleep } = require('./lib/harness');

const info = endpoints.oss;
const bucket = process.env.LOCALCLOUD_OSS_BUCKET;
const cname = process.env.LOCALCLOUD_OSS_CNAME;
const port = new URL(info.endpoint).port;
const PART = 100 * 1024;

const common = { accessKeyId: info.access_key_id, accessKeySecret: info.access_key_secret, bucket,
                 region: `oss-${info.region}`, agent, retryMax: 0, timeout: 30000 };
const localhost = `http://localhost:${port}`;
const clients = {
  // An IP endpoint: ali-oss names the bucket in Host as <bucket>.oss-<region>.aliyuncs.com.
  ip: new OSS({ ...common, endpoint: info.endpoint }),
  path: new OSS({ ...common, endpoint: localhost, sldEnable: true }),
  virtualHost: new OSS({ ...common, endpoint: localhost }),  // <bucket>.localhost
  cname: new OSS({ ...common, endpoint: `http://${cname}:${port}`, cname: true }),
  v4: new OSS({ ...common, endpoint: localhost, authorizationV4: true }),
  v4Ip: new OSS({ ...common, endpoint: info.endpoint, authorizationV4: true }),
};
const oss = clients.virtualHost;

const ossError = error => ({ status: error.status, code: error.code, message: error.message });
const bytes = n => crypto.randomBytes(n);
const md5 = data => crypto.createHash('md5').update(data).digest('hex').toUpperCase();
const tmpFile = data => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'localcloud-oss-')), 'data');
  fs.writeFileSync(file, data);
  return file;
};

async function listAll(client, query, version) {
  const pages = [];
  let marker = {};
  for (;;) {
    const page = version === 2
      ? await call('listV2', client.listV2({ ...query, ...marker }))
      : await call('list', client.list({ ...query, ...marker }));
    pages.push({ names: (page.objects || []).map(o => o.name), prefixes: page.prefixes || [] });
    if (!page.isTruncated) return { pages, last: page };
    marker = version === 2 ? { 'continuation-token': page.nextContinuationToken } : { marker: page.nextMarker };
    if (pages.length > 20) throw new Error('listing does not end');
  }
}

run({
  async addressing() {
    const result = {};
    for (const [style, client] of Object.entries(clients)) {
      const key = `styles/${style}/a b+ü.txt`;
      const data = Buffer.from(`written in ${style} style`);
      const put = await call(`${style} put`, client.put(key, data, { meta: { style }, mime: 'text/plain' }));
      const got = await call(`${style} get`, client.get(key));
      const head = await call(`${style} head`, client.head(key));
      const meta = await call(`${style} getObjectMeta`, client.getObjectMeta(key));
      const listed = await call(`${style} list`, client.list({ prefix: `styles/${style}/` }));
      await call(`${style} delete`, client.delete(key));
      const gone = await failure(`${style} head deleted`, client.head(key), ossError);
      result[style] = { etag: put.etag, body: got.content.toString(), md5: md5(data), contentType: got.res.headers['content-type'],
                        metaStyle: head.meta.style, size: Number(meta.res.headers['content-length']),
                        listed: listed.objects.map(o => o.name), gone: gone.status };
    }
    return result;
  },

  async ranges() {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    await call('put', oss.put('ranges', data));
    const part = await call('get Range 10-19', oss.get('ranges', { headers: { Range: 'bytes=10-19' } }));
    const suffix = await call('get Range -5', oss.get('ranges', { headers: { Range: 'bytes=-5' } }));
    const open = await call('get Range 95-', oss.get('ranges', { headers: { Range: 'bytes=95-' } }));
    const beyond = await call('get Range 200-300', oss.get('ranges', { headers: { Range: 'bytes=200-300' } }));
    const show = r => ({ status: r.res.status, bytes: [...r.content], range: r.res.headers['content-range'] || null });
    return { part: show(part), suffix: show(suffix), open: show(open), beyondLength: beyond.content.length,
             beyondStatus: beyond.res.status };
  },

  async listing() {
    const keys = ['list/a1', 'list/a2', 'list/b/1', 'list/b/2', 'list/c', 'list/d/x', 'list/e', 'list/ü z'];
    for (const key of keys) await call(`put ${key}`, oss.put(key, Buffer.from(key)));
    const v1 = await listAll(oss, { prefix: 'list/', delimiter: '/', 'max-keys': 2 }, 1);
    const v2 = await listAll(oss, { prefix: 'list/', 'max-keys': 3 }, 2);
    const after = await call('listV2 start-after', oss.listV2({ prefix: 'list/', 'start-after': 'list/c' }));
    const owner = await call('listV2 fetch-owner', oss.listV2({ prefix: 'list/a', 'fetch-owner': true }));
    const sized = await call('list sizes', oss.list({ prefix: 'list/a' }));
    return { v1: v1.pages, v2: v2.pages, after: after.objects.map(o => o.name),
             owner: Boolean(owner.objects[0].owner && owner.objects[0].owner.id),
             sizes: sized.objects.map(o => [o.name, o.size, o.type, o.storageClass]) };
  },

  async copy() {
    await call('put source', oss.put('copy/src', Buffer.from('source bytes'), { meta: { a: '1' }, mime: 'text/csv' }));
    const copied = await call('copy', oss.copy('copy/dst', 'copy/src'));
    const kept = await call('head copy', oss.head('copy/dst'));
    await call('copy REPLACE', oss.copy('copy/replaced', 'copy/src', { meta: { b: '2' },
      headers: { 'x-oss-metadata-directive': 'REPLACE', 'Content-Type': 'text/plain' } }));
    const replaced = await call('head replaced', oss.head('copy/replaced'));
    const body = await call('get copy', oss.get('copy/dst'));
    const missing = await failure('copy missing source', oss.copy('copy/x', 'copy/none'), ossError);
    return { etag: copied.data.etag, body: body.content.toString(), kept: [kept.meta, kept.res.headers['content-type']],
             replaced: [replaced.meta, replaced.res.headers['content-type']], missing };
  },

  async append() {
    const first = await call('append 1', oss.append('log', Buffer.from('one,')));
    const second = await call('append 2', oss.append('log', Buffer.from('two'), { position: first.nextAppendPosition }));
    const stale = await failure('append at a stale position', oss.append('log', Buffer.from('x'), { position: '0' }),
      error => ({ ...ossError(error), next: error.headers && error.headers['x-oss-next-append-position'] }));
    const got = await call('get', oss.get('log'));
    await call('put normal', oss.put('normal', Buffer.from('n')));
    const notAppendable = await failure('append to a normal object', oss.append('normal', Buffer.from('x'), { position: '1' }), ossError);
    return { positions: [first.nextAppendPosition, second.nextAppendPosition], body: got.content.toString(),
             type: got.res.headers['x-oss-object-type'], stale, notAppendable };
  },

  async multipart() {
    const data = bytes(2 * PART + 777);
    const file = tmpFile(data);
    const { uploadId } = await call('initMultipartUpload', oss.initMultipartUpload('mp/manual', { meta: { m: 'v' } }));
    const bounds = [[0, PART], [PART, 2 * PART], [2 * PART, data.length]];
    const parts = [];
    for (const [i, [start, end]] of bounds.entries()) {
      const part = await call(`uploadPart ${i + 1}`, oss.uploadPart('mp/manual', uploadId, i + 1, file, start, end));
      parts.push({ number: i + 1, etag: part.etag });
    }
    const listed = await call('listParts', oss.listParts('mp/manual', uploadId));
    const uploads = await call('listUploads', oss.listUploads({ prefix: 'mp/' }));
    const done = await call('completeMultipartUpload', oss.completeMultipartUpload('mp/manual', uploadId, parts));
    const got = await call('get', oss.get('mp/manual'));
    const managed = await call('multipartUpload', oss.multipartUpload('mp/managed', file, { partSize: PART }));
    const managedGot = await call('get managed', oss.get('mp/managed'));
    const aborted = await call('initMultipartUpload to abort', oss.initMultipartUpload('mp/aborted'));
    await call('abortMultipartUpload', oss.abortMultipartUpload('mp/aborted', aborted.uploadId));
    const afterAbort = await failure('listParts aborted', oss.listParts('mp/aborted', aborted.uploadId), ossError);
    return {
      partEtags: parts.map(p => p.etag.replace(/"/g, '')), partMd5s: bounds.map(([s, e]) => md5(data.slice(s, e))),
      listedSizes: listed.parts.map(p => Number(p.Size)), uploading: uploads.uploads.map(u => u.name),
      etag: done.etag, same: got.content.equals(data), meta: got.res.headers['x-oss-meta-m'],
      type: got.res.headers['x-oss-object-type'], managedSame: managedGot.content.equals(data),
      afterAbort: afterAbort.code,
    };
  },

  async uploadPartCopy() {
    const data = bytes(3 * PART + 5);
    await call('put source', oss.put('pc/src', data));
    const { uploadId } = await call('initMultipartUpload', oss.initMultipartUpload('pc/dst'));
    const ranges = [[0, PART - 1], [PART, 2 * PART - 1], [2 * PART, data.length - 1]];
    const parts = [];
    for (const [i, [first, last]] of ranges.entries()) {
      const part = await call(`uploadPartCopy ${i + 1}`, oss.uploadPartCopy('pc/dst', uploadId, i + 1, `${first}-${last}`,
        { sourceKey: 'pc/src', sourceBucketName: bucket }));
      parts.push({ number: i + 1, etag: part.etag });
    }
    await call('completeMultipartUpload', oss.completeMultipartUpload('pc/dst', uploadId, parts));
    const got = await call('get', oss.get('pc/dst'));
    await call('multipartUploadCopy', oss.multipartUploadCopy('pc/managed', { sourceKey: 'pc/src', sourceBucketName: bucket,
      startOffset: 10, endOffset: data.length }, { partSize: PART }));  // endOffset: exclusive
    const managed = await call('get managed', oss.get('pc/managed'));
    return { partEtags: parts.map(p => p.etag.replace(/"/g, '')),
             partMd5s: ranges.map(([f, l]) => md5(data.slice(f, l + 1))), same: got.content.equals(data),
             size: got.content.length, managedSame: managed.content.equals(data.slice(10)), managedSize: managed.content.length };
  },

  async deleteMulti() {
    for (const key of ['dm/1', 'dm/2', 'dm/3']) await call(`put ${key}`, oss.put(key, Buffer.from(key)));
    const verbose = await call('deleteMulti', oss.deleteMulti(['dm/1', 'dm/2', 'dm/missing']));
    const quiet = await call('deleteMulti quiet', oss.deleteMulti(['dm/3'], { quiet: true }));
    const left = await call('list', oss.list({ prefix: 'dm/' }));
    return { deleted: verbose.deleted.map(d => d.Key), quiet: quiet.deleted || [], left: (left.objects || []).map(o => o.name) };
  },

  async presignedUrls() {
    await call('put', oss.put('signed/ü x', Buffer.from('presigned read')));
    const getV1 = await fetchUrl(oss.signatureUrl('signed/ü x', { expires: 60 }));
    const putUrl = oss.signatureUrl('signed/put', { method: 'PUT', expires: 60, 'Content-Type': 'text/plain' });
    const putV1 = await fetchUrl(putUrl, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'by url v1' });
    const getV4 = await fetchUrl(await oss.signatureUrlV4('GET', 60, undefined, 'signed/ü x'));
    const putV4Url = await oss.signatureUrlV4('PUT', 60, { headers: { 'Content-Type': 'text/plain' } }, 'signed/put4');
    const putV4 = await fetchUrl(putV4Url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'by url v4' });
    const wrongMethod = await fetchUrl(putUrl);
    const read1 = await call('get put v1', oss.get('signed/put'));
    const read4 = await call('get put v4', oss.get('signed/put4'));
    const shortV1 = oss.signatureUrl('signed/ü x', { expires: 1 });
    const shortV4 = await oss.signatureUrlV4('GET', 1, undefined, 'signed/ü x');
    const fresh = [(await fetchUrl(shortV1)).status, (await fetchUrl(shortV4)).status];
    await sleep(2100);
    const expired = [];
    for (const url of [shortV1, shortV4]) {
      const answer = await fetchUrl(url);
      expired.push([answer.status, /<Message>Request has expired.<\/Message>/.test(answer.body.toString())]);
    }
    return { getV1: [getV1.status, getV1.body.toString()], putV1: putV1.status, getV4: [getV4.status, getV4.body.toString()],
             putV4: putV4.status, wrongMethod: wrongMethod.status, read1: [read1.content.toString(), read1.res.headers['content-type']],
             read4: read4.content.toString(), fresh, expired };
  },

  async utf8Metadata() {
    // headerEncoding latin1 sends the UTF-8 bytes: the only way Node's http takes such a value.
    const result = {};
    for (const [name, v4] of [['v1', false], ['v4', true]]) {
      const client = new OSS({ ...common, endpoint: localhost, headerEncoding: 'latin1', authorizationV4: v4 });
      await call(`${name} put`, client.put(`utf8/${name}`, Buffer.from('u'), { meta: { note: '测试 ü' } }));
      const head = await call(`${name} head`, client.head(`utf8/${name}`));
      result[name] = Buffer.from(head.res.headers['x-oss-meta-note'], 'latin1').toString('utf8');
    }
    return result;
  },

  async storageClass() {
    const result = {};
    for (const storage of ['IA', 'Archive', 'ColdArchive']) {
      await call(`put ${storage}`, oss.put(`sc/${storage}`, Buffer.from(storage), { headers: { 'x-oss-storage-class': storage } }));
      result[storage] = (await call(`head ${storage}`, oss.head(`sc/${storage}`))).res.headers['x-oss-storage-class'];
    }
    const listed = await call('list', oss.list({ prefix: 'sc/' }));
    const archived = await failure('get Archive', oss.get('sc/Archive'), ossError);
    const ia = await call('get IA', oss.get('sc/IA'));
    const up = await call('initMultipartUpload IA', oss.initMultipartUpload('sc/mp', { headers: { 'x-oss-storage-class': 'IA' } }));
    const part = await call('uploadPart', oss.uploadPart('sc/mp', up.uploadId, 1, tmpFile(Buffer.from('mp')), 0, 2));
    await call('completeMultipartUpload', oss.completeMultipartUpload('sc/mp', up.uploadId, [{ number: 1, etag: part.etag }]));
    const multipart = (await call('head multipart', oss.head('sc/mp'))).res.headers['x-oss-storage-class'];
    const invalid = await failure('put with an unknown class', oss.put('sc/bad', Buffer.from('x'),
      { headers: { 'x-oss-storage-class': 'Glacier' } }), ossError);
    return { heads: result, listed: listed.objects.map(o => [o.name, o.storageClass]), archived,
             iaBody: ia.content.toString(), multipart, invalid };
  },

  async objectAcl() {
    await call('put', oss.put('acl/k', Buffer.from('a')));
    const initial = await call('getACL', oss.getACL('acl/k'));
    await call('putACL private', oss.putACL('acl/k', 'private'));
    const changed = await call('getACL after putACL', oss.getACL('acl/k'));
    const publicRead = await failure('putACL public-read', oss.putACL('acl/k', 'public-read'), ossError);
    return { initial: initial.acl, changed: changed.acl, publicRead };
  },

  async tagging() {
    await call('put tagged', oss.put('tag/k', Buffer.from('t'), { headers: { 'x-oss-tagging': 'a=1&b=x%20y' } }));
    const initial = await call('getObjectTagging', oss.getObjectTagging('tag/k'));
    await call('putObjectTagging', oss.putObjectTagging('tag/k', { c: '3' }));
    const replaced = await call('getObjectTagging after put', oss.getObjectTagging('tag/k'));
    await call('deleteObjectTagging', oss.deleteObjectTagging('tag/k'));
    const cleared = await call('getObjectTagging after delete', oss.getObjectTagging('tag/k'));
    const invalid = await failure('initMultipartUpload with invalid tagging', oss.initMultipartUpload('tag/mp',
      { headers: { 'x-oss-tagging': 'aa=bb=cc' } }), ossError);
    const tooMany = await failure('initMultipartUpload with 11 tags', oss.initMultipartUpload('tag/mp',
      { headers: { 'x-oss-tagging': Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&') } }), ossError);
    const uploads = await call('listUploads', oss.listUploads({ prefix: 'tag/' }));
    return { initial: initial.tag, replaced: replaced.tag, cleared: cleared.tag, invalid, tooMany,
             uploads: uploads.uploads.length };
  },

  async buckets() {
    const name = `${bucket}-b`;
    await call('putBucket', clients.path.putBucket(name));
    const described = await call('getBucketInfo', clients.path.getBucketInfo(name));
    const listed = await call('listBuckets', clients.path.listBuckets({ prefix: bucket }));
    await call('deleteBucket', clients.path.deleteBucket(name));
    const gone = await failure('getBucketInfo deleted', clients.path.getBucketInfo(name), ossError);
    return { name: described.bucket.Name, location: described.bucket.Location, storageClass: described.bucket.StorageClass,
             listed: listed.buckets.map(b => b.name), gone: gone.code };
  },

  async cleanup() {  // the servers are the test session's: leave the bucket empty
    const { pages } = await listAll(oss, { 'max-keys': 1000 }, 2);
    const names = pages.flatMap(p => p.names);
    if (names.length) await call('deleteMulti all', oss.deleteMulti(names, { quiet: true }));
    return names.length;
  },
});
