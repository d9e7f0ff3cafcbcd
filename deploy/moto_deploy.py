#!/usr/bin/env python3
"""Why this exists: deploys the template's data-only shape (queues, catalog
table, buckets) into moto's CloudFormation, checks that what was created is
what the app expects, and writes the app's environment file through
outputs_to_env.py - the same generator the instances use - so the cloud
conformance suites run against resources the template made.

Usage: moto_deploy.py ENDPOINT OUTFILE [--prefix NAME] [--keep-json FILE]
Each run uses a fresh NamePrefix (sf-<pid>-<random>), so re-runs and parallel
runs against one moto server do not collide.
"""
import argparse
import json
import os
import secrets
import subprocess
import sys
import time

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "cloudformation", "storefront.yaml")
REGION = "us-east-1"


def client(kind, endpoint):
    return boto3.client(kind, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 3}))


def fail(msg):
    print(f"moto_deploy: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(f"check failed: {msg}")
    print(f"  ok  {msg}")


def verify(endpoint, outputs, max_receives):
    sqs = client("sqs", endpoint)

    def attrs(url):
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    orders, dlq = attrs(outputs["QueueOrdersUrl"]), attrs(outputs["QueueDeadLetterUrl"])
    sale, sale_dlq = attrs(outputs["QueueSaleUrl"]), attrs(outputs["InfoSaleDeadLetterUrl"])
    for name, a in [("orders", orders), ("orders DLQ", dlq), ("sale", sale), ("sale DLQ", sale_dlq)]:
        check(a.get("MessageRetentionPeriod") == "1209600", f"{name} queue keeps messages 14 days")
    redrive = json.loads(orders.get("RedrivePolicy", "{}"))
    check(redrive.get("deadLetterTargetArn") == dlq["QueueArn"], "orders queue redrives to the orders DLQ")
    check(int(redrive.get("maxReceiveCount", -1)) == max_receives, f"orders redrive maxReceiveCount = {max_receives}")
    check(sale.get("FifoQueue") == "true" and outputs["QueueSaleUrl"].endswith(".fifo"), "sale queue is FIFO")
    check(sale_dlq.get("FifoQueue") == "true", "sale DLQ is FIFO")
    sale_redrive = json.loads(sale.get("RedrivePolicy", "{}"))
    check(sale_redrive.get("deadLetterTargetArn") == sale_dlq["QueueArn"], "sale queue redrives to its own DLQ")
    check(int(sale_redrive.get("maxReceiveCount", -1)) == max_receives, f"sale redrive maxReceiveCount = {max_receives}")

    # The queues work with the data key on them (send, receive, delete; FIFO with group and dedup ids).
    sqs.send_message(QueueUrl=outputs["QueueOrdersUrl"], MessageBody="probe")
    got = sqs.receive_message(QueueUrl=outputs["QueueOrdersUrl"], WaitTimeSeconds=1).get("Messages", [])
    check(len(got) == 1 and got[0]["Body"] == "probe", "orders queue sends and receives")
    sqs.delete_message(QueueUrl=outputs["QueueOrdersUrl"], ReceiptHandle=got[0]["ReceiptHandle"])
    sqs.send_message(QueueUrl=outputs["QueueSaleUrl"], MessageBody="probe", MessageGroupId="g", MessageDeduplicationId="d")
    got = sqs.receive_message(QueueUrl=outputs["QueueSaleUrl"], WaitTimeSeconds=1).get("Messages", [])
    check(len(got) == 1, "sale queue sends and receives with a message group")
    sqs.delete_message(QueueUrl=outputs["QueueSaleUrl"], ReceiptHandle=got[0]["ReceiptHandle"])

    ddb = client("dynamodb", endpoint)
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": outputs["CatalogTable"],
                                                     "Item": {"pk": {"S": "PROBE"}, "sk": {"S": "A"}, "stock": {"N": "1"}},
                                                     "ConditionExpression": "attribute_not_exists(pk)"}}])
    item = ddb.get_item(TableName=outputs["CatalogTable"], Key={"pk": {"S": "PROBE"}, "sk": {"S": "A"}}, ConsistentRead=True)
    ddb.delete_item(TableName=outputs["CatalogTable"], Key={"pk": {"S": "PROBE"}, "sk": {"S": "A"}})
    check(item.get("Item", {}).get("stock") == {"N": "1"}, "catalog table takes a conditional transaction")
    table = client("dynamodb", endpoint).describe_table(TableName=outputs["CatalogTable"])["Table"]
    keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
    check(keys == {"pk": "HASH", "sk": "RANGE"}, "catalog table key schema is pk (hash) + sk (range), as adapters/src/kv/dynamo.rs")
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    check(types == {"pk": "S", "sk": "S"}, "catalog key attributes are strings")
    check(not table.get("GlobalSecondaryIndexes") and not table.get("LocalSecondaryIndexes"), "catalog table has no index (the app uses none)")
    billing = table.get("BillingModeSummary", {}).get("BillingMode")
    check(billing == "PAY_PER_REQUEST", "catalog table is on-demand")

    s3 = client("s3", endpoint)
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    check(outputs["ObjectsBucket"] in names, f"assets bucket {outputs['ObjectsBucket']} exists")
    # The app writes and reads objects there (the static copy under failover/).
    s3.put_object(Bucket=outputs["ObjectsBucket"], Key="failover/index.html", Body=b"<p>copy</p>")
    body = s3.get_object(Bucket=outputs["ObjectsBucket"], Key="failover/index.html")["Body"].read()
    s3.delete_object(Bucket=outputs["ObjectsBucket"], Key="failover/index.html")
    check(body == b"<p>copy</p>", "assets bucket takes and returns an object")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("outfile")
    p.add_argument("--prefix", default=f"sf-{os.getpid()}-{secrets.token_hex(3)}")
    p.add_argument("--max-receives", type=int, default=100)
    p.add_argument("--visibility-timeout", type=int, default=30)
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()

    cfn = client("cloudformation", args.endpoint)
    stack = f"{args.prefix}-data"
    body = open(TEMPLATE, encoding="utf-8").read()
    print(f"== creating stack {stack} (Shape=data-only) at {args.endpoint}")
    cfn.create_stack(
        StackName=stack,
        TemplateBody=body,
        Parameters=[
            {"ParameterKey": "Shape", "ParameterValue": "data-only"},
            {"ParameterKey": "NamePrefix", "ParameterValue": args.prefix},
            {"ParameterKey": "MaxReceives", "ParameterValue": str(args.max_receives)},
            {"ParameterKey": "VisibilityTimeoutSecs", "ParameterValue": str(args.visibility_timeout)},
        ],
    )
    deadline = time.monotonic() + args.timeout
    while True:
        desc = cfn.describe_stacks(StackName=stack)
        status = desc["Stacks"][0]["StackStatus"]
        if status == "CREATE_COMPLETE":
            break
        if status.endswith("FAILED") or status.startswith("ROLLBACK") or time.monotonic() > deadline:
            events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
            reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events if "FAILED" in e["ResourceStatus"]]
            fail(f"stack {stack} ended {status}: " + "; ".join(reasons))
        time.sleep(0.5)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in desc["Stacks"][0].get("Outputs", [])}
    print(f"== {stack}: CREATE_COMPLETE, {len(outputs)} outputs; verifying")
    verify(args.endpoint, outputs, args.max_receives)

    gen = subprocess.run(
        [sys.executable, os.path.join(HERE, "outputs_to_env.py"), "-", "--endpoint-url", args.endpoint,
         "-o", args.outfile],
        input=json.dumps(desc, default=str), text=True)
    if gen.returncode != 0:
        fail("outputs_to_env.py refused the outputs")
    print(f"== wrote {args.outfile}")


if __name__ == "__main__":
    main()
