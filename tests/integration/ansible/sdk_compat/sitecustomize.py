"""Put on PYTHONPATH for ansible-playbook and its modules only (see test_playbook.py).

The openstack.cloud collection that PyPI's `ansible` ships for Python 3.11 (2.5.0, in
ansible 12) reads `openstack.version.__version__` after a bare `import openstack`, which
loaded that submodule as a side effect before openstacksdk 4.15; the openstacksdk this
project needs (python-openstackclient 10 wants >= 4.21) no longer does, so every module
fails with "module 'openstack' has no attribute 'version'" (collection 2.6.0, on Galaxy
only, fixes it). Loading the submodule first is all the modules need.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # openstack.version warns
    try:
        import openstack.version  # noqa: F401
    except ImportError:  # no openstacksdk: the modules say so themselves
        pass
