"""Writes crates/analysis/src/catalog/spark_functions.txt: the names of the
functions and operators of Spark SQL, one a line, sorted, from the engine
itself (`SHOW FUNCTIONS` in a local session of the pyspark wheel that
scripts/spark-connect.sh installs; Java 17 needed).

    ~/.cache/loupe-spark/venv/bin/python scripts/gen_spark_functions.py
"""
import os
import pathlib

os.environ.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

from pyspark.sql import SparkSession  # noqa: E402

root = pathlib.Path(__file__).resolve().parent.parent
spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
version = spark.version
names = sorted({row[0].lower() for row in spark.sql("SHOW FUNCTIONS").collect()})
spark.stop()
out = root / "crates/analysis/src/catalog/spark_functions.txt"
out.write_text(
    f"# Spark SQL {version}: SHOW FUNCTIONS (scripts/gen_spark_functions.py)\n"
    + "\n".join(names)
    + "\n"
)
print(f"{out}: {len(names)} functions of Spark {version}")
