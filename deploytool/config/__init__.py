"""Config: etc/*.json files -> merged, validated, frozen objects, with the provenance of every key.

project = load_project(Path("sample_app"), overrides=["deploy.keep_releases=3"])
cfg = project.for_host("h2")
cfg.deploy.keep_releases, cfg.db.path
"""

from deploytool.config.load import Config, Project, View, load_project
from deploytool.config.schema import Deploy
from deploytool.config.secret import Secret
from deploytool.config.struct import Struct, to_plain

__all__ = ["Config", "Deploy", "Project", "Secret", "Struct", "View", "load_project", "to_plain"]
