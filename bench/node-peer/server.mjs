// The "Node peer" of the benchmark: a minimal ChatKit server on chatkit-node-backend-sdk (npm),
// answering from the same script file as the C# server's scripted model.
//
//   node server.mjs --script PATH [--port 5082] [--host 127.0.0.1]
//
// POST /chatkit  ChatKit requests (SSE for streaming requests, JSON otherwise)
// GET  /health   200 "ok"
// Header x-user-id scopes threads to a user (default "anonymous").

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { ChatKitServer, NotFoundError } from 'chatkit-node-backend-sdk';
import { MemoryStore, ValidationError } from './store.mjs';

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const args = { port: 5082, host: '127.0.0.1', script: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') args.port = Number(value());
    else if (a === '--script') args.script = value();
    else if (a === '--host') args.host = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node server.mjs --script PATH [--port 5082] [--host 127.0.0.1]\n');
      process.exit(0);
    } else fail(`unknown argument: ${a}`);
  }
  if (!args.script) fail('--script PATH is required');
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) fail('--port must be 0..65535');
  return args;
}

function fail(message) {
  process.stderr.write(`node-peer: ${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------- script

/** Loads the C# server's script format: {"turns":[{"match","reply","delayMs","title"}, ...]}. */
function loadScript(path) {
  const json = JSON.parse(readFileSync(path, 'utf8'));
  const turns = Array.isArray(json?.turns) ? json.turns : [];
  if (turns.length === 0) throw new Error(`${path}: the script has no turns`);
  return turns.map((t) => {
    const match = typeof t.match === 'string' ? t.match : '*';
    let test;
    if (match === '*') test = () => true;
    else if (match.startsWith('regex:')) {
      // The C# server matches with IgnoreCase | Singleline: JS flags i and s.
      const re = new RegExp(match.slice('regex:'.length), 'is');
      test = (text) => re.test(text);
    } else {
      const needle = match.toLowerCase();
      test = (text) => text.toLowerCase().includes(needle);
    }
    return {
      test,
      reply: Array.isArray(t.reply) ? t.reply.map(String) : [],
      delayMs: Number(t.delayMs) > 0 ? Number(t.delayMs) : 0,
      title: typeof t.title === 'string' ? t.title : null,
    };
  });
}

const NO_TURN = { reply: ['(The script has no turn for this message.)'], delayMs: 0, title: null };
const TITLE_LENGTH = 50;

/** The thread title from the user's text, as the C# server's MessageTitleMaker does it. */
function titleFrom(text) {
  const flat = text.split(/\s+/).filter(Boolean).join(' ');
  if (flat.length === 0) return null;
  return flat.length <= TITLE_LENGTH ? flat : flat.slice(0, TITLE_LENGTH).trimEnd() + '...';
}

function userText(message) {
  let text = '';
  const content = message?.content;
  if (Array.isArray(content)) {
    for (const part of content) if (part?.type === 'input_text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/**
 * Waits `ms`, or less when the client goes away: resolves true when the time passed, false when
 * the stream closed (the timer is cleared then, so an idle stream leaves nothing behind).
 */
function sleep(ms, stream) {
  if (stream.closed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.wake = null;
      resolve(true);
    }, ms);
    stream.wake = () => {
      clearTimeout(timer);
      stream.wake = null;
      resolve(false);
    };
  });
}

// ---------------------------------------------------------------- ChatKit server

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

class ScriptedServer extends ChatKitServer {
  constructor(store, turns) {
    super(store, undefined, silentLogger);
    this.turns = turns;
  }

  #find(text) {
    for (const turn of this.turns) if (turn.test(text)) return turn;
    return NO_TURN;
  }

  async *respond(thread, input, context) {
    const text = userText(input);
    const turn = this.#find(text);
    const stream = context.stream;
    const id = this.store.generateItemId('message', thread, context);
    const createdAt = new Date().toISOString();

    yield { type: 'stream_options', stream_options: { allow_cancel: true } };
    yield { type: 'progress_update', icon: 'sparkle', text: 'Analyzing your request...' };
    yield {
      type: 'thread.item.added',
      item: {
        type: 'assistant_message',
        content: [{ type: 'output_text', annotations: [], text: '' }],
        id,
        thread_id: thread.id,
        created_at: createdAt,
      },
    };
    yield {
      type: 'thread.item.updated',
      item_id: id,
      update: {
        type: 'assistant_message.content_part.added',
        content_index: 0,
        content: { type: 'output_text', annotations: [], text: '' },
      },
    };

    let full = '';
    for (const chunk of turn.reply) {
      if (turn.delayMs > 0 && !(await sleep(turn.delayMs, stream))) return; // the client left
      if (stream.closed) return;
      full += chunk;
      yield {
        type: 'thread.item.updated',
        item_id: id,
        update: { type: 'assistant_message.content_part.text_delta', content_index: 0, delta: chunk },
      };
    }

    yield {
      type: 'thread.item.updated',
      item_id: id,
      update: {
        type: 'assistant_message.content_part.done',
        content_index: 0,
        content: { type: 'output_text', annotations: [], text: full },
      },
    };
    // A changed thread after this event makes the SDK save it and emit thread.updated.
    if (!thread.title) thread.title = turn.title ?? titleFrom(text);
    // The SDK's processEvents saves the item on thread.item.done.
    yield {
      type: 'thread.item.done',
      item: {
        type: 'assistant_message',
        content: [{ type: 'output_text', annotations: [], text: full }],
        id,
        thread_id: thread.id,
        created_at: createdAt,
      },
    };
  }
}

// ---------------------------------------------------------------- HTTP

const MAX_BODY = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function statusOf(error) {
  if (error instanceof HttpError) return error.status;
  if (error instanceof SyntaxError || error instanceof ValidationError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (typeof error?.message === 'string' && error.message.startsWith('Unknown request type')) return 400;
  return 500;
}

function sendJson(res, status, body) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res, error) {
  const status = statusOf(error);
  sendJson(res, status, JSON.stringify({ error: String(error?.message ?? error) }));
}

function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function writeStream(result, res, stream) {
  const it = result[Symbol.asyncIterator]();
  let step;
  try {
    // The first event decides the status: a failure before anything was sent is an HTTP error.
    step = await it.next();
  } catch (error) {
    sendError(res, error);
    return;
  }
  if (stream.closed) {
    await it.return?.().catch(() => {});
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  try {
    while (!step.done) {
      if (!res.write(step.value) && !stream.closed) await drained(res);
      if (stream.closed) break;
      step = await it.next();
    }
  } catch {
    // A failure after the headers: nothing more can be said; end the stream.
  } finally {
    if (stream.closed) await it.return?.().catch(() => {});
    if (!res.writableEnded) res.end();
  }
}

async function handleChatKit(req, res, server) {
  // Per-request stream state, shared with the responder through the SDK's context.
  const stream = { closed: false, wake: null };
  res.on('close', () => {
    if (!res.writableFinished) {
      stream.closed = true;
      if (stream.wake !== null) stream.wake();
    }
  });
  const context = { userId: req.headers['x-user-id'] ?? 'anonymous', stream };
  let result;
  try {
    const body = await readBody(req);
    result = await server.process(body, context);
  } catch (error) {
    sendError(res, error);
    return;
  }
  if (result.isStreaming) {
    await writeStream(result, res, stream);
  } else {
    sendJson(res, 200, result.toString());
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let turns;
  try {
    turns = loadScript(args.script);
  } catch (error) {
    fail(`cannot load the script: ${error.message}`);
  }
  const chatkit = new ScriptedServer(new MemoryStore(), turns);

  const httpServer = http.createServer({ noDelay: true }, (req, res) => {
    const path = req.url.split('?', 1)[0];
    if (path === '/chatkit') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      handleChatKit(req, res, chatkit).catch((error) => {
        if (!res.headersSent) sendError(res, error);
        else res.destroy();
      });
    } else if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }).end(req.method === 'GET' ? 'ok' : undefined);
    } else {
      sendJson(res, 404, JSON.stringify({ error: 'Not found' }));
    }
  });
  httpServer.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const stop = () => {
    httpServer.close(() => process.exit(0));
    httpServer.closeAllConnections(); // open streams end too (their timers are cleared on close)
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  httpServer.listen(args.port, args.host, () => {
    process.stdout.write(`listening on ${httpServer.address().port}\n`);
    // The SDK prints with console.log on some paths (threads.create's request dump); the C#
    // server runs with logs at Warning, so the peer prints nothing per request either.
    console.log = () => {};
  });
}

main();
