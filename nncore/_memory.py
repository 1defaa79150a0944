"""Sizes a caller asks for, checked against the memory this process can get.

A network of ``[784, 100000000, 10]`` or a batch of a billion samples would make
NumPy fail after a long allocation, or the system swap and kill the process.
Such requests are refused first with :class:`TooLargeError`, which says what was
asked, how much it needs and how much there is.
"""
import os

#: bytes per gigabyte in messages
_GIB = float(1 << 30)
#: optimizer state arrays per parameter array, by optimizer class name
_OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}


class TooLargeError(MemoryError, ValueError):
    """A requested size needs more memory than this process can get.

    Raised before anything is allocated.  Both a :class:`MemoryError` and a
    :class:`ValueError` (the size comes from an argument).

    Examples
    --------
    >>> import nncore
    >>> try:
    ...     nncore.Network.init([784, 10**9, 10])
    ... except nncore.TooLargeError as exc:
    ...     print(str(exc)[:45])
    Network.init: sizes [784, 1000000000, 10] nee
    """


def _meminfo():
    """/proc/meminfo in bytes (Linux), else {}."""
    found = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if parts and parts[0].isdigit():
                    found[key] = int(parts[0]) * 1024
    except OSError:
        pass
    return found


def _cgroup_room():
    """What the cgroup (v2) still allows this process, else None."""
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        with open("/sys/fs/cgroup/memory.current") as f:
            used = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return None if not limit.isdigit() else max(0, int(limit) - used)


def _address_space_room():
    """What RLIMIT_AS still allows (Unix), else None."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    with open("/proc/self/status") as f:
        size = next((int(l.split()[1]) * 1024 for l in f if l.startswith("VmSize:")), 0)
    return max(0, soft - size)


def available_bytes():
    """Bytes this process can still allocate: the least of free memory (RAM the
    system can reclaim plus free swap), the cgroup's allowance and the address-space
    limit; the physical memory where none of these can be read; None if unknown."""
    info = _meminfo()
    candidates = []
    if "MemAvailable" in info:
        candidates.append(info["MemAvailable"] + info.get("SwapFree", 0))
    for room in (_cgroup_room(), _address_space_room() if info else None):
        if room is not None:
            candidates.append(room)
    if not candidates:
        try:
            candidates.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            return None
    return min(candidates)


def check(nbytes, what):
    """Raise TooLargeError when ``nbytes`` exceed what the process can get."""
    room = available_bytes()
    if room is not None and nbytes > room:
        raise TooLargeError(f"{what} need about {nbytes / _GIB:,.1f} GiB, but only "
                            f"{room / _GIB:,.1f} GiB of memory is available")


def network_bytes(sizes, itemsize):
    """Weights and biases of a network, plus the float64 draw of its largest layer."""
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    largest = max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return params * itemsize + 2 * largest * 8


def training_bytes(sizes, itemsize, batch, optimizer):
    """What a training step adds to a network: gradients, the optimizer's state (by
    the optimizer's name or object) and a batch's inputs, layer outputs and their
    gradients."""
    params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__
    slots = _OPTIMIZER_SLOTS.get(name.lower(), 2)
    activations = batch * (sizes[0] + 3 * sum(sizes[1:]))
    return (1 + slots) * params * itemsize + activations * itemsize + batch * 8
