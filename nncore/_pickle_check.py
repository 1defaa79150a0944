"""Checks a pickle stream before any of it is unpickled (see :func:`nncore.load_legacy_pickle`).

Python's unpickler trusts its input: a counted opcode allocates its declared
length before reading it, a memo index grows the memo to that size, nested
tuples are hashed recursively in C, and BUILD sets attributes on any object,
even on an allowed function.  This pass walks the opcodes with
:func:`pickletools.genops` (which reads each argument before believing its
length) and simulates the stack, so that the real unpickler only ever sees a
stream in which

- every opcode is one that pickled dicts of numpy arrays use (protocols 2-5);
- every counted argument is really there (memory stays bounded by the file);
- memo indices are those a pickler writes (0, 1, 2, ... in order);
- objects nest at most :data:`MAX_DEPTH` deep;
- REDUCE calls a global, and BUILD only sets the state of what REDUCE made.
"""
import io
import pickle
import pickletools

MAX_DEPTH = 32

_ALLOWED_OPS = frozenset({
    "PROTO", "FRAME", "STOP", "MARK", "EMPTY_DICT", "EMPTY_TUPLE", "EMPTY_LIST",
    "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "SETITEM", "SETITEMS", "APPEND", "APPENDS",
    "NONE", "NEWTRUE", "NEWFALSE", "BININT", "BININT1", "BININT2", "LONG1", "BINFLOAT",
    "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "SHORT_BINBYTES", "BINBYTES",
    "BINBYTES8", "BYTEARRAY8", "SHORT_BINSTRING", "BINSTRING",
    "GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD",
    "BINPUT", "LONG_BINPUT", "MEMOIZE", "BINGET", "LONG_BINGET",
})
# opcodes that change the container below their arguments in place
_IN_PLACE = frozenset({"SETITEM", "SETITEMS", "APPEND", "APPENDS", "BUILD"})

_GLOBAL, _MADE, _VALUE = "global", "made", "value"


def _refuse(pos, why):
    raise pickle.UnpicklingError(f"refused at byte {pos}: {why}")


def check_stream(blob):
    """Raise :class:`pickle.UnpicklingError` unless ``blob`` passes the checks above."""
    stack, marks, memo = [], [], []     # stack items: (kind, depth)
    stopped = False
    stream = io.BytesIO(blob)
    try:
        for op, arg, pos in pickletools.genops(stream):
            name = op.name
            if name not in _ALLOWED_OPS:
                _refuse(pos, f"opcode {name} is not used by pickled numpy arrays")
            if name == "MARK":
                marks.append(len(stack))
                continue
            if name in ("BINPUT", "LONG_BINPUT", "MEMOIZE"):
                if not stack:
                    _refuse(pos, "memo store from an empty stack")
                index = len(memo) if arg is None else arg
                if index != len(memo):
                    _refuse(pos, f"memo index {index} out of order (expected {len(memo)})")
                memo.append(stack[-1])
                continue
            if name in ("BINGET", "LONG_BINGET"):
                if not 0 <= arg < len(memo):
                    _refuse(pos, f"memo index {arg} was never stored")
                stack.append(memo[arg])
                continue
            popped, below = _pop(op, stack, marks, pos)
            if name == "STOP":
                if stack or len(popped) != 1:
                    _refuse(pos, "the stack does not end with exactly one object")
                stopped = True
                continue
            depth = max((d for _, d in popped), default=-1) + 1
            if name in _IN_PLACE:
                container = below[0] if below else popped[0]
                args = popped if below else popped[1:]
                if name == "BUILD" and container[0] != _MADE:
                    _refuse(pos, "BUILD on an object that no allowed call made")
                depth = max([container[1]] + [d + 1 for _, d in args])
                stack.append((container[0], depth))
            elif name == "REDUCE":
                if popped[0][0] != _GLOBAL:
                    _refuse(pos, "REDUCE of something that is not a global")
                stack.append((_MADE, depth))
            else:
                kind = _GLOBAL if name in ("GLOBAL", "STACK_GLOBAL") else _VALUE
                stack.extend((kind, depth) for _ in op.stack_after)
            if depth > MAX_DEPTH:
                _refuse(pos, f"objects nest more than {MAX_DEPTH} deep")
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError) as exc:
        raise pickle.UnpicklingError(f"malformed pickle, damaged or truncated ({exc})") from None
    if not stopped:
        raise pickle.UnpicklingError("malformed pickle (no STOP opcode: truncated)")
    if stream.tell() != len(blob):
        _refuse(stream.tell(), "data after STOP")


def _pop(op, stack, marks, pos):
    """Pop the arguments of ``op``: (items above the mark or the plain arguments, items below)."""
    before = op.stack_before
    if pickletools.markobject in before:
        if not marks:
            _refuse(pos, f"{op.name} without MARK")
        n_below = before.index(pickletools.markobject)
        mark = marks.pop()
        if mark < n_below:
            _refuse(pos, f"{op.name} finds too few objects below its MARK")
        above = stack[mark:]
        below = stack[mark - n_below:mark]
        del stack[mark - n_below:]
        return above, below
    n = len(before)
    if len(stack) - (marks[-1] if marks else 0) < n:
        _refuse(pos, f"{op.name} needs {n} objects on the stack")
    popped = stack[len(stack) - n:] if n else []
    del stack[len(stack) - n:]
    return popped, []
