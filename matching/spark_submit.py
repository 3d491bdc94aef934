"""`testigo link` as a Spark application, for spark-submit and job runners that start a Python
file (Kubernetes SparkApplication, a Databricks Python task):

    spark-submit --master k8s://https://api:6443 --deploy-mode client \\
        --jars "$(python -m matching.spark_submit --jar)" .../matching/spark_submit.py --full

The database, model directory and Spark working directory come from the TESTIGO_ settings as
for `testigo link`; the master and the cluster's settings from spark-submit. It prints the
link summary as one JSON line and exits 1, with one line on stderr, when the link fails."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    from app import logs
    from app.linking import failure, link_options
    from app.settings import get_settings
    from app.store.engine import make_engine
    from matching.link import link

    parser = argparse.ArgumentParser(prog="spark_submit.py", description=__doc__)
    parser.add_argument("--full", action="store_true", help="rescore everything")
    parser.add_argument("--retrain", action="store_true", help="train a new model first")
    parser.add_argument("--jar", action="store_true", help="print the Splink jar's path and exit")
    args = parser.parse_args(argv)
    if args.jar:
        from splink.backends.spark import similarity_jar_location

        print(similarity_jar_location())
        return 0
    settings = get_settings().model_copy(update={"link_backend": "spark"})
    logs.configure(settings.log_level)  # on stderr: stdout is the summary
    engine = make_engine(settings)
    try:
        summary = link(engine, link_options(settings, full=args.full, retrain=args.retrain))
    except Exception as exc:  # one line for the job's log, never a traceback
        print(failure(exc), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(json.dumps(summary.as_dict(), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
