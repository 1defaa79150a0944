# docs/conf.py is Sphinx's configuration, not a module with doctests.
collect_ignore = ["conf.py"]
