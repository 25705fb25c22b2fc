'use strict';
// Runs named steps against the local servers and prints one JSON object: for each step either
// {"result": ...} (plain data for the Python tests to assert on) or {"error": {"call", ...}}
// naming the SDK call that failed. The endpoints come from LOCALCLOUD_ENDPOINTS (the endpoints
// file of `localcloud serve`, as JSON).

const dns = require('dns');
const http = require('http');

const endpoints = JSON.parse(process.env.LOCALCLOUD_ENDPOINTS || '{}');

// The SDK call a step is in, so a failure names it.
let currentCall = null;

async function call(name, promise) {
  currentCall = name;
  const value = await promise;
  currentCall = null;
  return value;
}

// The error a call is expected to answer; a success fails the step.
async function failure(name, promise, describe) {
  currentCall = name;
  try {
    await promise;
  } catch (error) {
    currentCall = null;
    return describe(error);
  }
  throw new Error(`${name} succeeded where an error was expected`);
}

async function run(steps) {
  const only = process.env.LOCALCLOUD_STEPS ? new Set(process.env.LOCALCLOUD_STEPS.split(',')) : null;
  const report = {};
  for (const [name, step] of Object.entries(steps)) {
    if (only && !only.has(name)) continue;
    try {
      report[name] = { result: await step() };
    } catch (error) {
      report[name] = { error: { call: currentCall, message: String(error && error.message), code: error && error.code,
                                stack: String(error && error.stack).split('\n').slice(0, 4).join('\n') } };
      currentCall = null;
    }
  }
  process.stdout.write(JSON.stringify(report));
}

// RFC 6761 names (*.localhost) and the test domain (*.test) resolve to loopback, as the servers'
// virtual-host and cname styles need; this machine's resolver does not do it by itself.
function lookup(host, options, callback) {
  const loopback = host.endsWith('.localhost') || host.endsWith('.test');
  return dns.lookup(loopback ? '127.0.0.1' : host, options, callback);
}

const agent = new http.Agent({ keepAlive: true, lookup });

// A plain HTTP request (presigned URLs): resolves {status, headers, body: Buffer}.
function fetchUrl(url, { method = 'GET', headers = {}, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, lookup }, response => {
      const chunks = [];
      response.on('data', chunk => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers,
                                         body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

module.exports = { agent, call, endpoints, failure, fetchUrl, lookup, run, sleep };
