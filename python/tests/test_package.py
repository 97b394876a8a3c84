"""The installed package carries the application jar and runs on it."""

import os

import pytest

import sparknn
from conftest import ROOT


def test_the_installed_package_carries_the_jar_it_runs_on(spark):
    package = os.path.dirname(os.path.abspath(sparknn.__file__))
    if package.startswith(os.path.join(ROOT, "python")):
        pytest.skip("the tests run on the source tree, not on an installed package (ci/test installs it)")
    jar = sparknn.jar_path()
    assert os.path.dirname(jar) == os.path.join(package, "jars"), jar
    assert jar in spark.conf.get("spark.jars").split(",")
    # the JVM loaded spark-nn's classes from that jar
    source = spark._jvm.org.sparknn.jobs.Jobs._java_lang_class.getProtectionDomain().getCodeSource()
    assert os.path.realpath(source.getLocation().getPath()) == os.path.realpath(jar)
