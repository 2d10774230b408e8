#!/usr/bin/env python3
"""Sequential turns on one keep-alive connection, a new thread every fifth, the others a message in it.

    bench/sequential-turns.py COUNT PORT [TEXT]   -> prints the wall time per turn in microseconds

NEW_EVERY (default 5) sets how often a turn starts a new thread: 1 makes every turn a threads.create (as seeding does).

Used by bench/seq-ab.sh and bench/warm-ab.sh (the server answers with its scripted reply; TEXT is the user's message).
"""
import http.client
import json
import os
import sys
import time

n, port = int(sys.argv[1]), int(sys.argv[2])
every = int(os.environ.get("NEW_EVERY", "5"))
text = sys.argv[3] if len(sys.argv) > 3 else "go"
c = http.client.HTTPConnection("127.0.0.1", port)
inp = {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}
thread, t0 = None, time.perf_counter()
for i in range(n):
    body = {"type": "threads.create", "params": {"input": inp}} if i % every == 0 else \
           {"type": "threads.add_user_message", "params": {"thread_id": thread, "input": inp}}
    c.request("POST", "/chatkit", json.dumps(body), {"content-type": "application/json"})
    r = c.getresponse().read()
    if i % every == 0:
        k = r.find(b'"thread.created"')
        j = r.find(b'"id":"', k)
        thread = r[j + 6:r.find(b'"', j + 6)].decode()
print(int((time.perf_counter() - t0) / n * 1e6))
