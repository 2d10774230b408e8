// In-memory Store for the Node peer: every operation is a Map lookup or an array slice.
//
// Threads are scoped by user (context.userId), like the C# server's stores. Each user has a
// creation-ordered array of thread records plus an id -> index Map, so a threads.list page is
// "find the cursor, slice". Each thread keeps its items the same way. Records are stored and
// returned by reference (no defensive copies): the SDK builds fresh response objects itself.

import { randomUUID } from 'node:crypto';
import { Store, NotFoundError } from 'chatkit-node-backend-sdk';

export const MAX_PAGE_SIZE = 500; // as the C# server's stores

/** A bad request parameter (an unknown cursor): the HTTP layer answers 400. */
export class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}

// 24 random hex digits, as the C# server's ids (prefix_ + 96 random bits). A v4 UUID has fixed
// version/variant nibbles at positions 14 and 19, so take the fully random runs around them.
function hex24() {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(9, 13) + u.slice(24, 36);
}

const ITEM_PREFIX = { message: 'msg', tool_call: 'tc', task: 'tsk', workflow: 'wf', attachment: 'atc' };

/** An ordered collection with an id -> index map: O(1) lookup, O(limit) pages. */
class OrderedList {
  constructor() {
    this.rows = [];
    this.index = new Map();
  }

  get(id) {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.rows[i];
  }

  /** Appends, or replaces in place when the id is already there (the row keeps its position). */
  put(id, row) {
    const i = this.index.get(id);
    if (i === undefined) {
      this.index.set(id, this.rows.length);
      this.rows.push(row);
    } else {
      this.rows[i] = row;
    }
  }

  remove(id) {
    const i = this.index.get(id);
    if (i === undefined) return false;
    this.rows.splice(i, 1);
    this.index.delete(id);
    for (let j = i; j < this.rows.length; j++) this.index.set(this.rows[j].id, j);
    return true;
  }

  /**
   * One page: `after` is the id of the last row of the previous page.
   * asc = oldest first, desc = newest first. Rows are mapped by `pick`.
   */
  page(limit, after, order, pick, what) {
    const n = Math.min(Math.max(limit | 0, 1), MAX_PAGE_SIZE);
    const rows = this.rows;
    const data = [];
    let hasMore;
    if (order === 'asc') {
      let start = 0;
      if (after) {
        const i = this.index.get(after);
        if (i === undefined) throw new ValidationError(`The 'after' cursor '${after}' does not name ${what}.`);
        start = i + 1;
      }
      const end = Math.min(start + n, rows.length);
      for (let i = start; i < end; i++) data.push(pick(rows[i]));
      hasMore = end < rows.length;
    } else {
      let start = rows.length - 1;
      if (after) {
        const i = this.index.get(after);
        if (i === undefined) throw new ValidationError(`The 'after' cursor '${after}' does not name ${what}.`);
        start = i - 1;
      }
      const end = Math.max(start - n, -1); // exclusive
      for (let i = start; i > end; i--) data.push(pick(rows[i]));
      hasMore = end >= 0;
    }
    return { data, has_more: hasMore, after: data.length > 0 ? data[data.length - 1].id : null };
  }
}

const threadOf = (record) => record.thread;
const itself = (item) => item;

export class MemoryStore extends Store {
  constructor() {
    super();
    /** threadId -> { id, userId, thread, items: OrderedList } */
    this.threads = new Map();
    /** userId -> OrderedList of thread records */
    this.byUser = new Map();
    /** attachmentId -> { userId, attachment } */
    this.attachments = new Map();
  }

  generateThreadId(_context) {
    return 'thr_' + hex24();
  }

  generateItemId(type, _thread, _context) {
    return (ITEM_PREFIX[type] ?? 'msg') + '_' + hex24();
  }

  #record(threadId, context) {
    const record = this.threads.get(threadId);
    if (record === undefined || record.userId !== context.userId) {
      throw new NotFoundError(`Thread not found: ${threadId}`);
    }
    return record;
  }

  #userThreads(userId) {
    let list = this.byUser.get(userId);
    if (list === undefined) {
      list = new OrderedList();
      this.byUser.set(userId, list);
    }
    return list;
  }

  async loadThread(threadId, context) {
    return this.#record(threadId, context).thread;
  }

  async saveThread(thread, context) {
    const record = this.threads.get(thread.id);
    if (record === undefined) {
      const created = { id: thread.id, userId: context.userId, thread, items: new OrderedList() };
      this.threads.set(thread.id, created);
      this.#userThreads(context.userId).put(thread.id, created);
    } else if (record.userId !== context.userId) {
      throw new NotFoundError(`Thread not found: ${thread.id}`);
    } else {
      record.thread = thread;
    }
  }

  async deleteThread(threadId, context) {
    this.#record(threadId, context);
    this.threads.delete(threadId);
    this.byUser.get(context.userId)?.remove(threadId);
  }

  async loadThreads(limit, after, order, context) {
    const list = this.byUser.get(context.userId);
    if (list === undefined) {
      if (after) throw new ValidationError(`The 'after' cursor '${after}' does not name one of your threads.`);
      return { data: [], has_more: false, after: null };
    }
    return list.page(limit, after, order, threadOf, 'one of your threads');
  }

  async loadThreadItems(threadId, after, limit, order, context) {
    return this.#record(threadId, context).items.page(limit, after, order, itself, `an item of thread '${threadId}'`);
  }

  async addThreadItem(threadId, item, context) {
    this.#record(threadId, context).items.put(item.id, item);
  }

  async saveItem(threadId, item, context) {
    this.#record(threadId, context).items.put(item.id, item);
  }

  async loadItem(threadId, itemId, context) {
    const item = this.#record(threadId, context).items.get(itemId);
    if (item === undefined) throw new NotFoundError(`Item not found: ${itemId} in thread ${threadId}`);
    return item;
  }

  async deleteThreadItem(threadId, itemId, context) {
    this.#record(threadId, context).items.remove(itemId);
  }

  async saveAttachment(attachment, context) {
    const existing = this.attachments.get(attachment.id);
    if (existing !== undefined && existing.userId !== context.userId) {
      throw new NotFoundError(`Attachment not found: ${attachment.id}`);
    }
    this.attachments.set(attachment.id, { userId: context.userId, attachment });
  }

  async loadAttachment(attachmentId, context) {
    const entry = this.attachments.get(attachmentId);
    if (entry === undefined || entry.userId !== context.userId) {
      throw new NotFoundError(`Attachment not found: ${attachmentId}`);
    }
    return entry.attachment;
  }

  async deleteAttachment(attachmentId, context) {
    const entry = this.attachments.get(attachmentId);
    if (entry === undefined || entry.userId !== context.userId) {
      throw new NotFoundError(`Attachment not found: ${attachmentId}`);
    }
    this.attachments.delete(attachmentId);
  }
}
