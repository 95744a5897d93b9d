"""The moto launcher's fixes to moto's request handling, for every service.

moto 5.2.5's server lists its own package directory (an `os.listdir` and a `stat` per
service, ~150) on *every* request, to decide whether the Host header names a service
(`moto.backends.list_of_moto_modules`, called by `DomainDispatcherApplication.get_backend_for_host`
with a lock held). The installed package does not change while the server runs, so the listing is
taken once and reused: ~2 ms less per request on this machine, for every service.

moto's request dispatch lists a response class's methods (`inspect.getmembers`) on every request to
check the action is one of them (`method_names_from_class`). The launcher applies every patch before
serving and nothing adds methods afterwards, so the list is taken once per class and a copy handed
out: the same names, ~0.3 ms less per request.
"""
from moto import backends
from moto.core import responses as core_responses

_moto_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _moto_modules


_method_names = {}
_method_names_from_class = core_responses.method_names_from_class


def _method_names_of(clazz):
    if clazz not in _method_names:
        _method_names[clazz] = _method_names_from_class(clazz)
    return list(_method_names[clazz])


core_responses.method_names_from_class = _method_names_of
