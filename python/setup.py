"""Carries the application jar in the package when the checkout has built one (ops/build-wheel)."""

import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildWithJar(build_py):
    def run(self):
        super().run()
        jars = sorted(glob.glob(os.path.join(HERE, "..", "jobs", "target", "spark-nn-app-*.jar")))
        if jars:
            target = os.path.join(self.build_lib, "sparknn", "jars")
            os.makedirs(target, exist_ok=True)
            shutil.copy2(jars[0], target)


setup(cmdclass={"build_py": BuildWithJar})
