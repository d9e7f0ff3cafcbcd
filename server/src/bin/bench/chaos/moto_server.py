"""moto for the chaos suite, started as `python -c <this file> PORT`.

One request at a time: moto's stock server handles requests on threads and
its DynamoDB transactions then race (two conditional writes can both pass,
which looks exactly like an oversell). A client that opens a connection and
sends nothing (an HTTP pool's spare connection) would hold that one thread,
so a connection idle for 1 s is closed. SIGUSR1 dumps the Python stacks.

DynamoDB transactions: moto backs up the *whole table* (copy.deepcopy) for
every item of every transaction, so each order costs time in proportion to
the table and a 10,000-order run slows to a crawl. Here a transaction backs
up only the items it touches and puts exactly those back when it is
cancelled; what it writes and when it fails are moto's own code, unchanged.

DynamoDB queries: moto's Query on a table's own key reads every item of the
table and keeps those with the partition key asked for; here it reads that
partition only (the filtering after is moto's own).

SQS: moto recounts every message of a queue for its approximate counts each
time it reads the queue's attributes, which it does on every send (and
2N + 1 times per GetQueueAttributes), so a backlog of thousands makes every
call slow and the backlog grows. Here the three counts are kept for one
second, which is what "approximate" means in SQS anyway.
"""

import copy
import faulthandler
import signal
import sys
import time

import moto.dynamodb.models as ddb
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import Queue
from werkzeug.serving import WSGIRequestHandler, run_simple

faulthandler.register(signal.SIGUSR1)


class _NoTableCopy:
    """`copy` as moto's DynamoDB module sees it: a table "backup" is the live
    table (its rollback is then a no-op); every other deepcopy is real."""

    @staticmethod
    def deepcopy(x, memo=None):
        return x if isinstance(x, Table) else copy.deepcopy(x, memo)


ddb.copy = _NoTableCopy
_moto_transact = DynamoDBBackend.transact_write_items


def _key_of(table, op):
    if "Item" in op:
        item = op["Item"]
        key = {table.hash_key_attr: item[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = item[table.range_key_attr]
        return key
    return op.get("Key")


def transact_write_items(self, transact_items):
    saved = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName") or "")
        key = _key_of(table, op) if table is not None else None
        if key is None:
            continue
        try:
            h, r = self.get_keys_value(table, key)
        except Exception:
            continue  # moto itself refuses this item; nothing to restore
        saved.append((table, h, r, copy.deepcopy(table.get_item(h, r))))
    try:
        return _moto_transact(self, transact_items)
    except BaseException:
        for table, h, r, before in reversed(saved):
            if table.range_key_attr is None:
                if before is None:
                    table.items.pop(h, None)
                else:
                    table.items[h] = before
            elif before is None:
                table.items[h].pop(r, None)
            else:
                table.items[h][r] = before
        raise


DynamoDBBackend.transact_write_items = transact_write_items

_moto_all_items = Table.all_items
_moto_query = Table.query


def all_items(self):
    only = self.__dict__.get("_only_partition")
    if only is None:
        return _moto_all_items(self)
    bucket = self.items.get(only)
    if bucket is None:
        return []
    return list(bucket.values()) if self.range_key_attr else [bucket]


def query(self, hash_key, *args, **kwargs):
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name or hash_key is None:
        return _moto_query(self, hash_key, *args, **kwargs)
    self._only_partition = hash_key
    try:
        return _moto_query(self, hash_key, *args, **kwargs)
    finally:
        self._only_partition = None


Table.all_items = all_items
Table.query = query


def _for_a_second(name, count):
    def get(self):
        kept = self.__dict__.setdefault("_counts_kept", {})
        now = time.monotonic()
        hit = kept.get(name)
        if hit is None or now - hit[0] >= 1.0:
            hit = kept[name] = (now, count(self))
        return hit[1]

    return property(get)


for _name in (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
):
    setattr(Queue, _name, _for_a_second(_name, getattr(Queue, _name).fget))


class OneAtATime(WSGIRequestHandler):
    timeout = 1


run_simple(
    "127.0.0.1",
    int(sys.argv[1]),
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
    request_handler=OneAtATime,
)
