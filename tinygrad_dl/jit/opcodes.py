"""The instructions jit's bytecode reader (`bindings.attribute_reads`, `read_globals`) knows.

The guards find the Python state a step reads in its bytecode, which each Python spells its
own way. On CPython 3.10 to 3.13, where the reader is tested, it knows every instruction. On a
newer Python, an instruction it does not know could be a new way to load a name or take an
attribute (as 3.13's STORE_FAST_LOAD_FAST was, until it was read as its two halves), and a
guard would go missing without a word: a step whose code (or a function of the user's it
calls) holds such an instruction runs eagerly, with jit's warning naming it (`unread`).
Known there: 3.13's instructions, and those of 3.14 that the reader reads (LOAD_SMALL_INT,
the borrowing LOAD_FAST_BORROW*) or that load no name of the user's state (branch and loop
markers, `with`'s special methods, builtin constants, template strings).
"""

from __future__ import annotations

import dis
import sys
from typing import Any

TESTED = (3, 10) <= sys.version_info[:2] <= (3, 13)  # (CI runs 3.11; the others by hand)

# every instruction of CPython 3.13 (its `dis.opmap`)
KNOWN_313 = frozenset("""
    BEFORE_ASYNC_WITH BEFORE_WITH BINARY_OP BINARY_SLICE BINARY_SUBSCR BUILD_CONST_KEY_MAP
    BUILD_LIST BUILD_MAP BUILD_SET BUILD_SLICE BUILD_STRING BUILD_TUPLE CACHE CALL
    CALL_FUNCTION_EX CALL_INTRINSIC_1 CALL_INTRINSIC_2 CALL_KW CHECK_EG_MATCH
    CHECK_EXC_MATCH CLEANUP_THROW COMPARE_OP CONTAINS_OP CONVERT_VALUE COPY COPY_FREE_VARS
    DELETE_ATTR DELETE_DEREF DELETE_FAST DELETE_GLOBAL DELETE_NAME DELETE_SUBSCR DICT_MERGE
    DICT_UPDATE END_ASYNC_FOR END_FOR END_SEND ENTER_EXECUTOR EXIT_INIT_CHECK EXTENDED_ARG
    FORMAT_SIMPLE FORMAT_WITH_SPEC FOR_ITER GET_AITER GET_ANEXT GET_AWAITABLE GET_ITER
    GET_LEN GET_YIELD_FROM_ITER IMPORT_FROM IMPORT_NAME INSTRUMENTED_CALL
    INSTRUMENTED_CALL_FUNCTION_EX INSTRUMENTED_CALL_KW INSTRUMENTED_END_FOR
    INSTRUMENTED_END_SEND INSTRUMENTED_FOR_ITER INSTRUMENTED_INSTRUCTION
    INSTRUMENTED_JUMP_BACKWARD INSTRUMENTED_JUMP_FORWARD INSTRUMENTED_LINE
    INSTRUMENTED_LOAD_SUPER_ATTR INSTRUMENTED_POP_JUMP_IF_FALSE
    INSTRUMENTED_POP_JUMP_IF_NONE INSTRUMENTED_POP_JUMP_IF_NOT_NONE
    INSTRUMENTED_POP_JUMP_IF_TRUE INSTRUMENTED_RESUME INSTRUMENTED_RETURN_CONST
    INSTRUMENTED_RETURN_VALUE INSTRUMENTED_YIELD_VALUE INTERPRETER_EXIT IS_OP JUMP
    JUMP_BACKWARD JUMP_BACKWARD_NO_INTERRUPT JUMP_FORWARD JUMP_NO_INTERRUPT LIST_APPEND
    LIST_EXTEND LOAD_ASSERTION_ERROR LOAD_ATTR LOAD_BUILD_CLASS LOAD_CLOSURE LOAD_CONST
    LOAD_DEREF LOAD_FAST LOAD_FAST_AND_CLEAR LOAD_FAST_CHECK LOAD_FAST_LOAD_FAST
    LOAD_FROM_DICT_OR_DEREF LOAD_FROM_DICT_OR_GLOBALS LOAD_GLOBAL LOAD_LOCALS LOAD_METHOD
    LOAD_NAME LOAD_SUPER_ATTR LOAD_SUPER_METHOD LOAD_ZERO_SUPER_ATTR LOAD_ZERO_SUPER_METHOD
    MAKE_CELL MAKE_FUNCTION MAP_ADD MATCH_CLASS MATCH_KEYS MATCH_MAPPING MATCH_SEQUENCE NOP
    POP_BLOCK POP_EXCEPT POP_JUMP_IF_FALSE POP_JUMP_IF_NONE POP_JUMP_IF_NOT_NONE
    POP_JUMP_IF_TRUE POP_TOP PUSH_EXC_INFO PUSH_NULL RAISE_VARARGS RERAISE RESERVED RESUME
    RETURN_CONST RETURN_GENERATOR RETURN_VALUE SEND SETUP_ANNOTATIONS SETUP_CLEANUP
    SETUP_FINALLY SETUP_WITH SET_ADD SET_FUNCTION_ATTRIBUTE SET_UPDATE STORE_ATTR
    STORE_DEREF STORE_FAST STORE_FAST_LOAD_FAST STORE_FAST_MAYBE_NULL STORE_FAST_STORE_FAST
    STORE_GLOBAL STORE_NAME STORE_SLICE STORE_SUBSCR SWAP TO_BOOL UNARY_INVERT
    UNARY_NEGATIVE UNARY_NOT UNPACK_EX UNPACK_SEQUENCE WITH_EXCEPT_START YIELD_VALUE
""".split())
# 3.14's new ones that the reader reads, or that carry no name of the user's state
KNOWN_314 = frozenset({"LOAD_SMALL_INT", "LOAD_FAST_BORROW", "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
                       "NOT_TAKEN", "POP_ITER", "LOAD_SPECIAL", "LOAD_COMMON_CONSTANT",
                       "BUILD_TEMPLATE", "BUILD_INTERPOLATION"})
KNOWN = KNOWN_313 | KNOWN_314


def unread(code: Any, known: frozenset[str] | None = None) -> str | None:
    """The first instruction of `code` or its nested code that the reader does not know
    (None on a tested Python, whose instructions it all knows)."""
    if known is None:
        if TESTED:
            return None
        known = KNOWN
    for ins in dis.get_instructions(code):
        if ins.opname not in known:
            return ins.opname
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            found = unread(c, known)
            if found is not None:
                return found
    return None


def why(op: str) -> str:
    """The recording's reason for running a step eagerly over an unknown instruction."""
    v = ".".join(map(str, sys.version_info[:2]))
    return (f"its code holds the instruction {op} (Python {v}), which jit's guards do not "
            "read (they are tested on CPython 3.10 to 3.13): replay could miss Python state "
            "the step reads")
