"""Where the spark-nn application jar is."""

import glob
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def jar_path():
    """The application jar: $SPARK_NN_JAR, else the one this package carries, else a checkout's build.

    A wheel built by ops/build-wheel carries the jar; a package installed from a checkout that
    has none finds the checkout's jobs/target/spark-nn-app-*.jar when it runs from that checkout.
    """
    env = os.environ.get("SPARK_NN_JAR")
    if env:
        if not os.path.isfile(env):
            raise FileNotFoundError("SPARK_NN_JAR names %s, which is not a file" % env)
        return env
    candidates = sorted(glob.glob(os.path.join(_HERE, "jars", "spark-nn-app-*.jar")))
    for root in (os.path.join(_HERE, "..", ".."), os.getcwd()):
        candidates += sorted(glob.glob(os.path.join(root, "jobs", "target", "spark-nn-app-*.jar")))
    if not candidates:
        raise FileNotFoundError(
            "no spark-nn application jar: set SPARK_NN_JAR, install the wheel ops/build-wheel makes, or build"
            " the checkout (mvn -DskipTests package) and run from it")
    return os.path.abspath(candidates[0])
