#!/usr/bin/env python3
"""Regenerate cli/catalog/service-reference.compact.json, the catalog `iamc check` embeds.

    python3 cli/catalog/generate.py $IAMC_SHARED/corpus/service-reference/iam-service-reference.json \
        > cli/catalog/service-reference.compact.json

The output has the shape of iam-service-reference.json (so `Catalog::from_json_slice` reads
it) with only what the checks use:
- actions keyed by their documented name (no description, access level, ...);
- each action's service condition keys (its own plus those of its resource types) through a
  synthetic resource type per distinct key set; global `aws:` keys are left out of the action
  lists (the C-3/C-5 check ignores them);
- condition keys with their type (`String` when omitted); an `aws:` key is listed once per
  service order and valuedness (the catalog keeps the first type and merges the valuedness).
Services are sorted, one a line.
"""
import json
import sys


def main(path):
    with open(path) as f:
        ref = json.load(f)
    seen_global = set()
    lines = []
    for prefix in sorted(ref):
        svc = ref[prefix]
        rtypes = {
            k.lower(): v.get("conditionKeys") or []
            for k, v in (svc.get("resourceTypes") or {}).items()
        }
        sets = {}
        actions = {}
        for lower, a in sorted((svc.get("actions") or {}).items()):
            keys = set(a.get("conditionKeys") or [])
            for r in a.get("resourceTypes") or []:
                keys.update(r.get("conditionKeys") or [])
                keys.update(rtypes.get((r.get("name") or "").lower(), []))
            keys = tuple(sorted({k for k in keys if not k.lower().startswith("aws:")}, key=str.lower))
            name = a.get("name") or lower
            if keys:
                i = sets.setdefault(keys, str(len(sets)))
                actions[name] = {"resourceTypes": [{"name": i}]}
            else:
                actions[name] = {}
        ckeys = {}
        for k, v in sorted((svc.get("conditionKeys") or {}).items()):
            key = v.get("key") or k
            ty = v.get("type") or "String"
            if key.lower().startswith("aws:"):
                mark = (key.lower(), ty.startswith("ArrayOf"))
                if mark in seen_global:
                    continue
                seen_global.add(mark)
            ckeys[key] = {"type": ty} if ty != "String" else {}
        out = {"actions": actions}
        if sets:
            out["resourceTypes"] = {i: {"conditionKeys": list(ks)} for ks, i in sets.items()}
        if ckeys:
            out["conditionKeys"] = ckeys
        lines.append(json.dumps(prefix) + ":" + json.dumps(out, separators=(",", ":"), sort_keys=True))
    sys.stdout.write("{\n" + ",\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main(sys.argv[1])
