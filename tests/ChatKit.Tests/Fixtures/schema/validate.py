#!/usr/bin/env python3
"""Batch validator for the test suite.

Reads lines "<SchemaName>\t<json>" from stdin; prints one line per input:
"ok" or "error: <message>". The union member is chosen by the schema's
discriminator mapping (as ChatKit's own validator does) for clearer messages.
"""
import json, sys
from pathlib import Path
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

HERE = Path(__file__).resolve().parent
cache = {}

def validator_for(name, doc):
    if name not in cache:
        schema = json.loads((HERE / f"{name}.schema.json").read_text())
        cache[name] = (schema, Draft202012Validator(schema))
    schema, whole = cache[name]
    mapping = (schema.get("discriminator") or {}).get("mapping") or {}
    if isinstance(doc, dict) and mapping:
        ref = mapping.get(doc.get("type"))
        if ref is None:
            return None, f"unknown type {doc.get('type')!r}"
        return Draft202012Validator({"$ref": ref, "$defs": schema.get("$defs", {})}), None
    return whole, None

for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    name, _, raw = line.partition("\t")
    try:
        doc = json.loads(raw)
        v, err = validator_for(name, doc)
        if err:
            print("error: " + err)
        else:
            best = best_match(v.iter_errors(doc))
            print("ok" if best is None else "error: " + best.message[:300] + " at /" + "/".join(map(str, best.path)))
    except Exception as e:  # report, never crash the batch
        print("error: " + repr(e)[:300])
    sys.stdout.flush()
