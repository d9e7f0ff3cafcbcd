#!/usr/bin/env python3
"""Why this exists: the one place that turns the CloudFormation stack's
outputs into the app's STOREFRONT_* environment, for real AWS (boot.sh on
every instance) and for moto (scripts/iac.sh deploy-moto) alike, so setting
names cannot drift between the template and the app.

Rule: an output named <Section><Key in CamelCase> is the setting
section.key (QueueOrdersUrl -> queue.orders_url ->
STOREFRONT_QUEUE__ORDERS_URL); outputs starting with "Info" are not settings.
When ports/src/config/keys.rs is found (a checkout), every derived key must
be one of its settings. Secrets are never outputs: the database password and
the Redis AUTH token come from files (--db-password-file, --cache-token-file)
and are spliced into database.url / cache.url.

Input: `aws cloudformation describe-stacks --stack-name X` JSON (file or -).
Output: KEY=value lines (systemd EnvironmentFile / docker --env-file), or
`export KEY='value'` with --format shell.
"""
import argparse
import json
import os
import re
import sys
from urllib.parse import quote, urlsplit, urlunsplit

SECTIONS = ("server", "failover", "mail", "accounts", "oidc", "edge", "recommend", "reconcile",
            "database", "cache", "queue", "catalog", "objects", "aws")
# Settings every shape must provide (the data-only shape has exactly these).
REQUIRED = {"queue.kind", "queue.orders_url", "queue.dead_letter_url", "queue.sale_url",
            "queue.max_receives", "catalog.kind", "catalog.table", "objects.kind",
            "objects.bucket", "aws.region", "failover.prefix"}
# ...and the full shape these too.
REQUIRED_FULL = REQUIRED | {"server.profile", "server.public_url", "server.ops_addr", "server.addr",
                            "database.url", "database.ca_file", "database.migrate_on_start",
                            "cache.url", "mail.kind", "mail.from", "edge.client_ip_header",
                            "edge.trusted_proxies"}
DEFAULT_KEYS_RS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ports", "src", "config", "keys.rs")


class Refused(Exception):
    pass


def setting_of(output_key):
    """QueueOrdersUrl -> queue.orders_url (None for Info* outputs)."""
    if output_key.startswith("Info"):
        return None
    words = re.findall(r"[A-Z][a-z0-9]*", output_key)
    if not words or "".join(words) != output_key:
        raise Refused(f"output {output_key!r} is not <Section><Key> in CamelCase")
    section = words[0].lower()
    if section not in SECTIONS:
        raise Refused(f"output {output_key!r}: {section!r} is no settings section ({', '.join(SECTIONS)})")
    if len(words) < 2:
        raise Refused(f"output {output_key!r} names a section but no key")
    return section + "." + "_".join(w.lower() for w in words[1:])


def known_keys(path):
    """The setting keys of ports/src/config/keys.rs, or None when absent."""
    if not path or not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8").read()
    return set(re.findall(r'\(\s*"([a-z_]+\.[a-z_]+)"', text))


def env_name(key):
    section, name = key.split(".", 1)
    return f"STOREFRONT_{section.upper()}__{name.upper()}"


def with_password(url, user, secret, what):
    parts = urlsplit(url)
    if parts.password:
        raise Refused(f"{what} output already carries a password")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    userinfo = f"{quote(user or '', safe='')}:{quote(secret, safe='')}@"
    return urlunsplit((parts.scheme, userinfo + host, parts.path, parts.query, parts.fragment))


def read_secret(path, what):
    if not path:
        raise Refused(f"{what} needs its secret: pass --{what.replace('.', '-').replace('_', '-')}-file")
    value = open(path, encoding="utf-8").read().strip()
    if not value:
        raise Refused(f"{path} is empty")
    return value


def settings(stack, args):
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if not outputs:
        raise Refused(f"stack {stack.get('StackName')} has no outputs (status {stack.get('StackStatus')})")
    keys = known_keys(args.keys)
    found = {}
    for out, value in sorted(outputs.items()):
        key = setting_of(out)
        if key is None:
            continue
        if keys is not None and key not in keys:
            raise Refused(f"output {out} maps to {key}, which ports/src/config/keys.rs does not know")
        found[key] = value
    shape = outputs.get("InfoShape", "full")
    missing = sorted((REQUIRED_FULL if shape == "full" else REQUIRED) - found.keys())
    if missing:
        raise Refused(f"stack {stack.get('StackName')} (shape {shape}) lacks outputs for: {', '.join(missing)}")
    if "database.url" in found:
        found["database.url"] = with_password(found["database.url"], urlsplit(found["database.url"]).username,
                                              read_secret(args.db_password_file, "db-password"), "DatabaseUrl")
    if "cache.url" in found:
        found["cache.url"] = with_password(found["cache.url"], "", read_secret(args.cache_token_file, "cache-token"),
                                           "CacheUrl")
    if "oidc.client_id" in found:
        found["oidc.client_secret"] = read_secret(args.oidc_secret_file, "oidc-secret")
    if args.endpoint_url:
        found["aws.endpoint_url"] = args.endpoint_url
    for extra in args.set or []:
        key, sep, value = extra.partition("=")
        if not sep or (keys is not None and key not in keys):
            raise Refused(f"--set {extra!r}: want section.key=value with a known key")
        found[key] = value
    return found


def render(found, fmt):
    lines = []
    for key in sorted(found):
        value = found[key]
        if "\n" in value:
            raise Refused(f"{key}: a value with a newline cannot go in an env file")
        if fmt == "shell":
            lines.append(f"export {env_name(key)}='" + value.replace("'", "'\\''") + "'")
        else:
            lines.append(f"{env_name(key)}={value}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("stack_json", nargs="?", default="-", help="describe-stacks JSON file (default: stdin)")
    p.add_argument("--stack-name", help="which stack of the JSON (default: the only one)")
    p.add_argument("--db-password-file")
    p.add_argument("--cache-token-file")
    p.add_argument("--oidc-secret-file", help="the OIDC client's secret (stacks with OidcClientId)")
    p.add_argument("--endpoint-url", help="adds aws.endpoint_url (moto)")
    p.add_argument("--set", action="append", help="section.key=value added after the outputs")
    p.add_argument("--keys", default=DEFAULT_KEYS_RS, help="keys.rs to check names against (skipped when absent)")
    p.add_argument("--format", choices=["env", "shell"], default="env")
    p.add_argument("-o", "--output", help="write here (mode 0600) instead of stdout")
    args = p.parse_args(argv)
    try:
        raw = sys.stdin.read() if args.stack_json == "-" else open(args.stack_json, encoding="utf-8").read()
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as e:
            raise Refused(f"input is not describe-stacks JSON: {e}")
        stacks = doc.get("Stacks", [doc] if "Outputs" in doc else [])
        if args.stack_name:
            stacks = [s for s in stacks if s.get("StackName") == args.stack_name]
        if len(stacks) != 1:
            raise Refused(f"expected one stack in the input, found {len(stacks)}")
        text = render(settings(stacks[0], args), args.format)
    except (Refused, OSError) as e:
        print(f"outputs_to_env: {e}", file=sys.stderr)
        return 2
    if args.output:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
