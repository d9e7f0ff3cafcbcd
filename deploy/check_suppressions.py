#!/usr/bin/env python3
"""Why this exists: `scripts/iac.sh check` fails on any checkov finding, and
this script is what makes that strict. It reads checkov's JSON report and
the templates, and fails when checkov found anything, when a suppression in
a template has no justification (checkov skips need `comment:`, cfn-lint
ignores need a `justification:` per rule id), or when a checkov skip no
longer suppresses anything (a stale suppression hides nothing but still
reads as if it did). It prints the counts of checks, findings and
suppressions.

Usage: check_suppressions.py CHECKOV_JSON TEMPLATE...  (run with the iac
venv's python: it uses cfn-lint's YAML loader for the CloudFormation tags)
"""
import json
import sys

from cfnlint.decode import decode

MIN_JUSTIFICATION = 20


def suppressions(path):
    """(checkov skips, cfn-lint ignores, problems) declared in one template."""
    template, matches = decode(path)
    if matches:
        return [], [], [f"{path}: cannot parse: {m}" for m in matches]
    skips, ignores, problems = [], [], []
    for name, res in (template.get("Resources") or {}).items():
        meta = res.get("Metadata") or {}
        for entry in ((meta.get("checkov") or {}).get("skip") or []):
            cid, why = entry.get("id"), str(entry.get("comment") or "").strip()
            skips.append((name, cid))
            if len(why) < MIN_JUSTIFICATION:
                problems.append(f"{path}: {name}: checkov skip {cid} has no real justification (comment:)")
        lint = meta.get("cfn-lint") or {}
        ids = ((lint.get("config") or {}).get("ignore_checks") or [])
        reasons = lint.get("justification") or {}
        for rid in ids:
            ignores.append((name, rid))
            if len(str(reasons.get(rid) or "").strip()) < MIN_JUSTIFICATION:
                problems.append(f"{path}: {name}: cfn-lint ignore {rid} needs cfn-lint.justification.{rid}")
    return skips, ignores, problems


def main():
    report_path, templates = sys.argv[1], sys.argv[2:]
    report = json.load(open(report_path, encoding="utf-8"))
    reports = report if isinstance(report, list) else [report]
    passed, failed, skipped = [], [], []
    for r in reports:
        res = r.get("results", {})
        passed += res.get("passed_checks", [])
        failed += res.get("failed_checks", [])
        skipped += res.get("skipped_checks", [])
    problems = []
    declared, ignores = [], []
    for t in templates:
        s, i, p = suppressions(t)
        declared += s
        ignores += i
        problems += p
    applied = {(c["resource"].split(".", 1)[-1], c["check_id"]) for c in skipped}
    for name, cid in declared:
        if (name, cid) not in applied:
            problems.append(f"checkov skip {cid} on {name} suppresses nothing: remove it")
    for c in failed:
        problems.append(f"checkov {c['check_id']} ({c['check_name']}) on {c['resource']} "
                        f"at {c.get('file_path')}:{c.get('file_line_range')}")
    print(f"checkov: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped "
          f"({len(declared)} checkov suppressions, {len(ignores)} cfn-lint ignores in the templates)")
    for name, cid in sorted(declared):
        print(f"  suppressed: {cid} on {name}")
    for p in problems:
        print(f"  PROBLEM: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
