"""A DuckLake store whose data files live in an S3-compatible object store (``KZLOGFRAME_DATA_PATH=
s3://…``): the demo restored there lands in the bucket and reads as the DuckDB file does; an import
with a Kazakh file name commits there. The object store is moto's S3 server on this machine (a real HTTP server speaking S3's protocol;
no internet here for a cloud bucket)."""

from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from kzlogframe import progress as P
from kzlogframe.catalog import load_catalog
from kzlogframe.ingest import import_csv
from kzlogframe.measurements import current_measurements
from tests.conftest import ADMIN, demo_on_ducklake

BUCKET = "kzlogframe-lake"
KEYS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_REGION": "eu-central-1"}


@pytest.fixture(scope="module")
def object_store() -> Iterator[str]:
    """A local S3 server with an empty bucket; its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"], region_name=KEYS["AWS_REGION"]
                 ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": KEYS["AWS_REGION"]})
    yield endpoint
    server.stop()


def objects(endpoint: str) -> list[str]:
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"], region_name=KEYS["AWS_REGION"])
    return [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            for o in page.get("Contents", [])]


def test_a_store_with_its_data_in_an_object_store_reads_and_writes_as_a_file_does(
        object_store, postgres, demo_backup, demo_store, monkeypatch, tmp_path):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", object_store)
    monkeypatch.setenv("KZLOGFRAME_DATA_PATH", f"s3://{BUCKET}/stores")
    url = demo_on_ducklake(postgres, demo_backup)
    name = url.rsplit("/", 1)[1]
    files = objects(object_store)
    assert files and all(key.startswith(f"stores/{name}/") and key.endswith(".parquet") for key in files)

    catalog = load_catalog()
    as_of = catalog["psr"].reporting_period("2014-H2").end
    here = P.indicator_progress(current_measurements(db=url), catalog, as_of)
    there = P.indicator_progress(current_measurements(db=demo_store), catalog, as_of)
    assert len(here) > 100
    assert here.equals(there)

    lf = catalog["kazlod"]
    indicator = next(i.code for _, i in lf.indicators() if i.type.value == "quantitative" and not i.disaggregation)
    csv = tmp_path / "жаңа мәндер.csv"
    csv.write_text(f"programme,indicator,period,value\nkazlod,{indicator},2015-H1,42\n", encoding="utf-8")
    result = import_csv(csv, catalog, ADMIN, db=url)
    assert result.status == "committed" and len(result.accepted) == 1
    stored = current_measurements("kazlod", db=url)
    assert stored.loc[(stored["indicator"] == indicator) & (stored["period_label"] == "2015-H1"), "value"].tolist() == [42]
