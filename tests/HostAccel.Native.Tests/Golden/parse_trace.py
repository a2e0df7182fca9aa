#!/usr/bin/env python3
"""Turn an strace log of one `nft` run into golden fixture file(s).

Used by capture.sh (see README.md in this directory).  Only needed when the
fixtures are re-captured; nothing in the test build runs it.

The bytes come exclusively from strace's full hex dumps (`-e write=all
-e read=all`), never from strace's pretty-printer, and are checked against
the syscall return values.  The attribute decode written into `#` comments
is informational only.

  parse_trace.py send  --trace T --cmd CMD --name CASE --out FILE [--meta FILE]
  parse_trace.py reply --trace T --cmd CMD --out-prefix PREFIX [--meta FILE]
"""

import argparse
import errno as errno_mod
import os
import re
import struct
import sys

# --------------------------------------------------------------------------
# strace log parsing
# --------------------------------------------------------------------------

SYSCALLS = ("sendmsg", "sendto", "recvmsg", "recvfrom")
CALL_RE = re.compile(r"^(\d+)\s+(%s)\((\d+),(.*)$" % "|".join(SYSCALLS))
RET_RE = re.compile(r"\)\s+=\s+(-?\d+)(?:\s+([A-Z][A-Z0-9_]*)\s+\(.*\))?$")
BUF_RE = re.compile(r"^ \* (\d+) bytes in buffer (\d+)\s*$")
DUMP_RE = re.compile(r"^ \| ([0-9a-f]{5,})  (.*)$")
HEX_AREA = 49  # 16 * "xx " plus the extra space after the 8th byte


class Call:
    def __init__(self, pid, name, fd, ret, err, lineno):
        self.pid, self.name, self.fd = pid, name, fd
        self.ret, self.err, self.lineno = ret, err, lineno
        self.bufs = []          # list of [declared_len or None, bytearray]

    @property
    def is_send(self):
        return self.name.startswith("send")

    @property
    def data(self):
        return b"".join(bytes(b[1]) for b in self.bufs)


def parse_strace(path):
    calls = []
    cur = None
    with open(path, encoding="latin-1") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if "<unfinished ...>" in line or "resumed>" in line:
                raise SystemExit("%s:%d: interleaved syscall in trace, cannot parse "
                                 "reliably: %s" % (path, lineno, line[:120]))
            m = CALL_RE.match(line)
            if m:
                r = RET_RE.search(line)
                if not r:
                    raise SystemExit("%s:%d: no return value: %s" % (path, lineno, line[:160]))
                cur = Call(int(m.group(1)), m.group(2), int(m.group(3)),
                           int(r.group(1)), r.group(2), lineno)
                calls.append(cur)
                continue
            m = BUF_RE.match(line)
            if m:
                if cur is None:
                    raise SystemExit("%s:%d: buffer header without syscall" % (path, lineno))
                if int(m.group(2)) != len(cur.bufs):
                    raise SystemExit("%s:%d: unexpected buffer index" % (path, lineno))
                cur.bufs.append([int(m.group(1)), bytearray()])
                continue
            m = DUMP_RE.match(line)
            if m:
                if cur is None:
                    raise SystemExit("%s:%d: dump without syscall" % (path, lineno))
                if not cur.bufs:                 # sendto: single unnamed buffer
                    cur.bufs.append([None, bytearray()])
                buf = cur.bufs[-1][1]
                if int(m.group(1), 16) != len(buf):
                    raise SystemExit("%s:%d: dump offset %s, expected %x"
                                     % (path, lineno, m.group(1), len(buf)))
                toks = m.group(2)[:HEX_AREA].split()
                if not toks or len(toks) > 16 or any(not re.fullmatch(r"[0-9a-f]{2}", t) for t in toks):
                    raise SystemExit("%s:%d: bad dump line: %s" % (path, lineno, line))
                buf.extend(int(t, 16) for t in toks)
                continue
            # anything else (exit notices, signals, other output) ends the dump
            cur = None
    for c in calls:
        for declared, buf in c.bufs:
            if declared is not None and declared != len(buf):
                raise SystemExit("%s:%d: buffer declared %d bytes, dumped %d"
                                 % (path, c.lineno, declared, len(buf)))
        if c.ret > 0 and len(c.data) != c.ret:
            raise SystemExit("%s:%d: %s returned %d but %d bytes were dumped"
                             % (path, c.lineno, c.name, c.ret, len(c.data)))
    return calls


# --------------------------------------------------------------------------
# netlink
# --------------------------------------------------------------------------

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE = 1, 2, 3
NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END = 16, 17
NFNL_SUBSYS_NFTABLES = 10

NFT_MSG = ["NEWTABLE", "GETTABLE", "DELTABLE", "NEWCHAIN", "GETCHAIN", "DELCHAIN",
           "NEWRULE", "GETRULE", "DELRULE", "NEWSET", "GETSET", "DELSET",
           "NEWSETELEM", "GETSETELEM", "DELSETELEM", "NEWGEN", "GETGEN", "TRACE",
           "NEWOBJ", "GETOBJ", "DELOBJ", "GETOBJ_RESET", "NEWFLOWTABLE",
           "GETFLOWTABLE", "DELFLOWTABLE", "GETRULE_RESET", "DESTROYTABLE",
           "DESTROYCHAIN", "DESTROYRULE", "DESTROYSET", "DESTROYSETELEM",
           "DESTROYOBJ", "DESTROYFLOWTABLE", "GETSETELEM_RESET"]


class Msg:
    def __init__(self, raw):
        self.raw = raw
        self.len, self.type, self.flags, self.seq, self.pid = struct.unpack_from("<IHHII", raw, 0)

    @property
    def payload(self):
        return self.raw[16:]

    @property
    def subsys(self):
        return self.type >> 8

    @property
    def nft_op(self):
        return self.type & 0xff if self.subsys == NFNL_SUBSYS_NFTABLES else None


def split_netlink(data, where):
    msgs, off = [], 0
    while off < len(data):
        if len(data) - off < 16:
            raise SystemExit("%s: trailing %d bytes" % (where, len(data) - off))
        ln = struct.unpack_from("<I", data, off)[0]
        if ln < 16 or off + ln > len(data):
            raise SystemExit("%s: bad nlmsg_len %d at offset %d" % (where, ln, off))
        msgs.append(Msg(bytes(data[off:off + ln])))
        off += (ln + 3) & ~3
    return msgs


def type_name(t):
    if t < 16:
        return {1: "NLMSG_NOOP", 2: "NLMSG_ERROR", 3: "NLMSG_DONE", 4: "NLMSG_OVERRUN"}.get(t, "NLMSG_0x%x" % t)
    if t == NFNL_MSG_BATCH_BEGIN:
        return "NFNL_MSG_BATCH_BEGIN"
    if t == NFNL_MSG_BATCH_END:
        return "NFNL_MSG_BATCH_END"
    if t >> 8 == NFNL_SUBSYS_NFTABLES and (t & 0xff) < len(NFT_MSG):
        return "NFT_MSG_" + NFT_MSG[t & 0xff]
    return "type_0x%04x" % t


def flag_names(t, flags):
    names = []
    base = [(1, "NLM_F_REQUEST"), (2, "NLM_F_MULTI"), (4, "NLM_F_ACK"), (8, "NLM_F_ECHO"),
            (0x10, "NLM_F_DUMP_INTR"), (0x20, "NLM_F_DUMP_FILTERED")]
    op = t & 0xff if t >> 8 == NFNL_SUBSYS_NFTABLES else None
    if t == NLMSG_ERROR:
        extra = [(0x100, "NLM_F_CAPPED"), (0x200, "NLM_F_ACK_TLVS")]
    elif op is not None and NFT_MSG[op].startswith("GET"):
        extra = [(0x100, "NLM_F_ROOT"), (0x200, "NLM_F_MATCH"), (0x400, "NLM_F_ATOMIC")]
    elif op is not None and (NFT_MSG[op].startswith("DEL") or NFT_MSG[op].startswith("DESTROY")):
        extra = [(0x100, "NLM_F_NONREC"), (0x200, "NLM_F_BULK")]
    else:
        extra = [(0x100, "NLM_F_REPLACE"), (0x200, "NLM_F_EXCL"), (0x400, "NLM_F_CREATE"),
                 (0x800, "NLM_F_APPEND")]
    rest = flags
    for bit, name in base + extra:
        if flags & bit:
            names.append(name)
            rest &= ~bit
    if op is not None and NFT_MSG[op].startswith("GET") and flags & 0x300 == 0x300:
        names = [n for n in names if n not in ("NLM_F_ROOT", "NLM_F_MATCH")] + ["NLM_F_DUMP"]
    if rest:
        names.append("0x%x" % rest)
    return "|".join(names) if names else "0"


FAMILIES = {0: "NFPROTO_UNSPEC", 1: "NFPROTO_INET", 2: "NFPROTO_IPV4", 3: "NFPROTO_ARP",
            5: "NFPROTO_NETDEV", 7: "NFPROTO_BRIDGE", 10: "NFPROTO_IPV6"}

# --------------------------------------------------------------------------
# attribute decoding (comments only)
# --------------------------------------------------------------------------

REGS = {0: "NFT_REG_VERDICT", 1: "NFT_REG_1", 2: "NFT_REG_2", 3: "NFT_REG_3", 4: "NFT_REG_4"}
REGS.update({8 + i: "NFT_REG32_%02d" % i for i in range(16)})
META_KEYS = ["LEN", "PROTOCOL", "PRIORITY", "MARK", "IIF", "OIF", "IIFNAME", "OIFNAME",
             "IIFTYPE", "OIFTYPE", "SKUID", "SKGID", "NFTRACE", "RTCLASSID", "SECMARK",
             "NFPROTO", "L4PROTO", "BRI_IIFNAME", "BRI_OIFNAME", "PKTTYPE", "CPU",
             "IIFGROUP", "OIFGROUP", "CGROUP", "PRANDOM", "SECPATH", "IIFKIND", "OIFKIND"]
META_KEYS = {i: "NFT_META_" + n for i, n in enumerate(META_KEYS)}
CT_KEYS = ["STATE", "DIRECTION", "STATUS", "MARK", "SECMARK", "EXPIRATION", "HELPER",
           "L3PROTOCOL", "SRC", "DST", "PROTOCOL", "PROTO_SRC", "PROTO_DST", "LABELS",
           "PKTS", "BYTES", "AVGPKT", "ZONE", "EVENTMASK", "SRC_IP", "DST_IP", "SRC_IP6",
           "DST_IP6", "ID"]
CT_KEYS = {i: "NFT_CT_" + n for i, n in enumerate(CT_KEYS)}
CMP_OPS = {0: "NFT_CMP_EQ", 1: "NFT_CMP_NEQ", 2: "NFT_CMP_LT", 3: "NFT_CMP_LTE",
           4: "NFT_CMP_GT", 5: "NFT_CMP_GTE"}
PAYLOAD_BASES = {0: "NFT_PAYLOAD_LL_HEADER", 1: "NFT_PAYLOAD_NETWORK_HEADER",
                 2: "NFT_PAYLOAD_TRANSPORT_HEADER", 3: "NFT_PAYLOAD_INNER_HEADER"}
BITWISE_OPS = {0: "NFT_BITWISE_BOOL", 1: "NFT_BITWISE_LSHIFT", 2: "NFT_BITWISE_RSHIFT"}
VERDICTS = {0: "NF_DROP", 1: "NF_ACCEPT", -1: "NFT_CONTINUE", -2: "NFT_BREAK",
            -3: "NFT_JUMP", -4: "NFT_GOTO", -5: "NFT_RETURN"}
POLICIES = {0: "NF_DROP", 1: "NF_ACCEPT"}
HOOKS_INET = {0: "NF_INET_PRE_ROUTING", 1: "NF_INET_LOCAL_IN", 2: "NF_INET_FORWARD",
              3: "NF_INET_LOCAL_OUT", 4: "NF_INET_POST_ROUTING", 5: "NF_INET_INGRESS"}
HOOKS_NETDEV = {0: "NF_NETDEV_INGRESS", 1: "NF_NETDEV_EGRESS"}
SET_FLAGS = {0x1: "NFT_SET_ANONYMOUS", 0x2: "NFT_SET_CONSTANT", 0x4: "NFT_SET_INTERVAL",
             0x8: "NFT_SET_MAP", 0x10: "NFT_SET_TIMEOUT", 0x20: "NFT_SET_EVAL",
             0x40: "NFT_SET_OBJECT", 0x80: "NFT_SET_CONCAT", 0x100: "NFT_SET_EXPR"}
ELEM_FLAGS = {0x1: "NFT_SET_ELEM_INTERVAL_END", 0x2: "NFT_SET_ELEM_CATCHALL"}
FT_FLAGS = {0x1: "NFT_FLOWTABLE_HW_OFFLOAD", 0x2: "NFT_FLOWTABLE_COUNTER"}
CHAIN_FLAGS = {0x1: "NFT_CHAIN_BASE", 0x2: "NFT_CHAIN_HW_OFFLOAD", 0x4: "NFT_CHAIN_BINDING"}
TABLE_FLAGS = {0x1: "NFT_TABLE_F_DORMANT", 0x2: "NFT_TABLE_F_OWNER", 0x4: "NFT_TABLE_F_PERSIST"}
KEY_TYPES = {7: "ipv4_addr (nft TYPE_IPADDR)", 8: "ipv6_addr (nft TYPE_IP6ADDR)"}
BYTEORDERS = {0: "BYTEORDER_INVALID", 1: "BYTEORDER_HOST_ENDIAN", 2: "BYTEORDER_BIG_ENDIAN"}

# value kinds: str u32 s32 u64 u8 bin nest list expr data udata:<what>
# a spec maps attr number -> (NAME, kind, extra)   extra: enum dict / sub-spec
VERDICT_SPEC = {1: ("NFTA_VERDICT_CODE", "s32", VERDICTS), 2: ("NFTA_VERDICT_CHAIN", "str", None),
                3: ("NFTA_VERDICT_CHAIN_ID", "u32", None)}
DATA_SPEC = {1: ("NFTA_DATA_VALUE", "bin", None), 2: ("NFTA_DATA_VERDICT", "nest", VERDICT_SPEC)}
COUNTER_SPEC = {1: ("NFTA_COUNTER_BYTES", "u64", None), 2: ("NFTA_COUNTER_PACKETS", "u64", None),
                3: ("NFTA_COUNTER_PAD", "bin", None)}
DEVS_SPEC = {1: ("NFTA_DEVICE_NAME", "str", None)}

EXPR_SPECS = {
    "meta": {1: ("NFTA_META_DREG", "u32", REGS), 2: ("NFTA_META_KEY", "u32", META_KEYS),
             3: ("NFTA_META_SREG", "u32", REGS)},
    "cmp": {1: ("NFTA_CMP_SREG", "u32", REGS), 2: ("NFTA_CMP_OP", "u32", CMP_OPS),
            3: ("NFTA_CMP_DATA", "nest", DATA_SPEC)},
    "payload": {1: ("NFTA_PAYLOAD_DREG", "u32", REGS), 2: ("NFTA_PAYLOAD_BASE", "u32", PAYLOAD_BASES),
                3: ("NFTA_PAYLOAD_OFFSET", "u32", None), 4: ("NFTA_PAYLOAD_LEN", "u32", None),
                5: ("NFTA_PAYLOAD_SREG", "u32", REGS), 6: ("NFTA_PAYLOAD_CSUM_TYPE", "u32", None),
                7: ("NFTA_PAYLOAD_CSUM_OFFSET", "u32", None), 8: ("NFTA_PAYLOAD_CSUM_FLAGS", "u32", None)},
    "lookup": {1: ("NFTA_LOOKUP_SET", "str", None), 2: ("NFTA_LOOKUP_SREG", "u32", REGS),
               3: ("NFTA_LOOKUP_DREG", "u32", REGS), 4: ("NFTA_LOOKUP_SET_ID", "u32", None),
               5: ("NFTA_LOOKUP_FLAGS", "u32", {1: "NFT_LOOKUP_F_INV"})},
    "counter": COUNTER_SPEC,
    "immediate": {1: ("NFTA_IMMEDIATE_DREG", "u32", REGS), 2: ("NFTA_IMMEDIATE_DATA", "nest", DATA_SPEC)},
    "bitwise": {1: ("NFTA_BITWISE_SREG", "u32", REGS), 2: ("NFTA_BITWISE_DREG", "u32", REGS),
                3: ("NFTA_BITWISE_LEN", "u32", None), 4: ("NFTA_BITWISE_MASK", "nest", DATA_SPEC),
                5: ("NFTA_BITWISE_XOR", "nest", DATA_SPEC), 6: ("NFTA_BITWISE_OP", "u32", BITWISE_OPS),
                7: ("NFTA_BITWISE_DATA", "nest", DATA_SPEC)},
    "ct": {1: ("NFTA_CT_DREG", "u32", REGS), 2: ("NFTA_CT_KEY", "u32", CT_KEYS),
           3: ("NFTA_CT_DIRECTION", "u8", None), 4: ("NFTA_CT_SREG", "u32", REGS)},
    "flow_offload": {1: ("NFTA_FLOW_TABLE_NAME", "str", None)},
    "range": {1: ("NFTA_RANGE_SREG", "u32", REGS), 2: ("NFTA_RANGE_OP", "u32", None),
              3: ("NFTA_RANGE_FROM_DATA", "nest", DATA_SPEC), 4: ("NFTA_RANGE_TO_DATA", "nest", DATA_SPEC)},
}

EXPR_ATTR_SPEC = {1: ("NFTA_EXPR_NAME", "str", None), 2: ("NFTA_EXPR_DATA", "exprdata", None)}
# list nests: the kernel iterates them with nla_for_each_nested() and ignores the
# attribute type; libnftnl numbers set elements 1,2,3,... (see README)
EXPR_LIST_SPEC = {"*": ("NFTA_LIST_ELEM", "expr", None)}

TABLE_SPEC = {1: ("NFTA_TABLE_NAME", "str", None), 2: ("NFTA_TABLE_FLAGS", "flags", TABLE_FLAGS),
              3: ("NFTA_TABLE_USE", "u32", None), 4: ("NFTA_TABLE_HANDLE", "u64", None),
              5: ("NFTA_TABLE_PAD", "bin", None), 6: ("NFTA_TABLE_USERDATA", "udata", "table"),
              7: ("NFTA_TABLE_OWNER", "u32", None)}
HOOK_SPEC = {1: ("NFTA_HOOK_HOOKNUM", "u32", "hook"), 2: ("NFTA_HOOK_PRIORITY", "s32", None),
             3: ("NFTA_HOOK_DEV", "str", None), 4: ("NFTA_HOOK_DEVS", "nest", DEVS_SPEC)}
CHAIN_SPEC = {1: ("NFTA_CHAIN_TABLE", "str", None), 2: ("NFTA_CHAIN_HANDLE", "u64", None),
              3: ("NFTA_CHAIN_NAME", "str", None), 4: ("NFTA_CHAIN_HOOK", "nest", HOOK_SPEC),
              5: ("NFTA_CHAIN_POLICY", "u32", POLICIES), 6: ("NFTA_CHAIN_USE", "u32", None),
              7: ("NFTA_CHAIN_TYPE", "str", None), 8: ("NFTA_CHAIN_COUNTERS", "nest", COUNTER_SPEC),
              9: ("NFTA_CHAIN_PAD", "bin", None), 10: ("NFTA_CHAIN_FLAGS", "flags", CHAIN_FLAGS),
              11: ("NFTA_CHAIN_ID", "u32", None), 12: ("NFTA_CHAIN_USERDATA", "udata", "chain")}
RULE_SPEC = {1: ("NFTA_RULE_TABLE", "str", None), 2: ("NFTA_RULE_CHAIN", "str", None),
             3: ("NFTA_RULE_HANDLE", "u64", None), 4: ("NFTA_RULE_EXPRESSIONS", "nest", EXPR_LIST_SPEC),
             5: ("NFTA_RULE_COMPAT", "bin", None), 6: ("NFTA_RULE_POSITION", "u64", None),
             7: ("NFTA_RULE_USERDATA", "udata", "rule"), 8: ("NFTA_RULE_PAD", "bin", None),
             9: ("NFTA_RULE_ID", "u32", None), 10: ("NFTA_RULE_POSITION_ID", "u32", None),
             11: ("NFTA_RULE_CHAIN_ID", "u32", None)}
SET_DESC_SPEC = {1: ("NFTA_SET_DESC_SIZE", "u32", None), 2: ("NFTA_SET_DESC_CONCAT", "bin", None)}
SET_SPEC = {1: ("NFTA_SET_TABLE", "str", None), 2: ("NFTA_SET_NAME", "str", None),
            3: ("NFTA_SET_FLAGS", "flags", SET_FLAGS), 4: ("NFTA_SET_KEY_TYPE", "u32", KEY_TYPES),
            5: ("NFTA_SET_KEY_LEN", "u32", None), 6: ("NFTA_SET_DATA_TYPE", "u32", None),
            7: ("NFTA_SET_DATA_LEN", "u32", None), 8: ("NFTA_SET_POLICY", "u32", None),
            9: ("NFTA_SET_DESC", "nest", SET_DESC_SPEC), 10: ("NFTA_SET_ID", "u32", None),
            11: ("NFTA_SET_TIMEOUT", "u64", None), 12: ("NFTA_SET_GC_INTERVAL", "u32", None),
            13: ("NFTA_SET_USERDATA", "udata", "set"), 14: ("NFTA_SET_PAD", "bin", None),
            15: ("NFTA_SET_OBJ_TYPE", "u32", None), 16: ("NFTA_SET_HANDLE", "u64", None),
            17: ("NFTA_SET_EXPR", "bin", None), 18: ("NFTA_SET_EXPRESSIONS", "bin", None),
            19: ("NFTA_SET_TYPE", "str", None), 20: ("NFTA_SET_COUNT", "u32", None)}
ELEM_SPEC = {1: ("NFTA_SET_ELEM_KEY", "nest", DATA_SPEC), 2: ("NFTA_SET_ELEM_DATA", "nest", DATA_SPEC),
             3: ("NFTA_SET_ELEM_FLAGS", "flags", ELEM_FLAGS), 4: ("NFTA_SET_ELEM_TIMEOUT", "u64", None),
             5: ("NFTA_SET_ELEM_EXPIRATION", "u64", None), 6: ("NFTA_SET_ELEM_USERDATA", "udata", "elem"),
             7: ("NFTA_SET_ELEM_EXPR", "bin", None), 8: ("NFTA_SET_ELEM_PAD", "bin", None),
             9: ("NFTA_SET_ELEM_OBJREF", "str", None), 10: ("NFTA_SET_ELEM_KEY_END", "nest", DATA_SPEC),
             11: ("NFTA_SET_ELEM_EXPRESSIONS", "bin", None)}
ELEM_LIST_SPEC = {"*": ("NFTA_LIST_ELEM", "nest", ELEM_SPEC)}
SETELEM_SPEC = {1: ("NFTA_SET_ELEM_LIST_TABLE", "str", None), 2: ("NFTA_SET_ELEM_LIST_SET", "str", None),
                3: ("NFTA_SET_ELEM_LIST_ELEMENTS", "nest", ELEM_LIST_SPEC),
                4: ("NFTA_SET_ELEM_LIST_SET_ID", "u32", None)}
GEN_SPEC = {1: ("NFTA_GEN_ID", "u32", None), 2: ("NFTA_GEN_PROC_PID", "u32", None),
            3: ("NFTA_GEN_PROC_NAME", "str", None)}
FT_HOOK_SPEC = {1: ("NFTA_FLOWTABLE_HOOK_NUM", "u32", HOOKS_NETDEV),
                2: ("NFTA_FLOWTABLE_HOOK_PRIORITY", "s32", None),
                3: ("NFTA_FLOWTABLE_HOOK_DEVS", "nest", DEVS_SPEC)}
FLOWTABLE_SPEC = {1: ("NFTA_FLOWTABLE_TABLE", "str", None), 2: ("NFTA_FLOWTABLE_NAME", "str", None),
                  3: ("NFTA_FLOWTABLE_HOOK", "nest", FT_HOOK_SPEC), 4: ("NFTA_FLOWTABLE_USE", "u32", None),
                  5: ("NFTA_FLOWTABLE_HANDLE", "u64", None), 6: ("NFTA_FLOWTABLE_PAD", "bin", None),
                  7: ("NFTA_FLOWTABLE_FLAGS", "flags", FT_FLAGS)}
OBJ_SPEC = {1: ("NFTA_OBJ_TABLE", "str", None), 2: ("NFTA_OBJ_NAME", "str", None),
            3: ("NFTA_OBJ_TYPE", "u32", None), 4: ("NFTA_OBJ_DATA", "bin", None),
            5: ("NFTA_OBJ_USE", "u32", None), 6: ("NFTA_OBJ_HANDLE", "u64", None),
            7: ("NFTA_OBJ_PAD", "bin", None), 8: ("NFTA_OBJ_USERDATA", "bin", None)}

MSG_SPECS = {"TABLE": TABLE_SPEC, "CHAIN": CHAIN_SPEC, "RULE": RULE_SPEC, "SETELEM": SETELEM_SPEC,
             "SET": SET_SPEC, "GEN": GEN_SPEC, "FLOWTABLE": FLOWTABLE_SPEC, "OBJ": OBJ_SPEC}

UDATA_NAMES = {
    "table": {0: ("NFTNL_UDATA_TABLE_COMMENT", "strz")},
    "chain": {0: ("NFTNL_UDATA_CHAIN_COMMENT", "strz")},
    "rule": {0: ("NFTNL_UDATA_RULE_COMMENT", "strz"), 1: ("NFTNL_UDATA_RULE_EBTABLES_POLICY", "u32h")},
    "set": {0: ("NFTNL_UDATA_SET_KEYBYTEORDER", "u32h"), 1: ("NFTNL_UDATA_SET_DATABYTEORDER", "u32h"),
            2: ("NFTNL_UDATA_SET_MERGE_ELEMENTS", "u32h"), 3: ("NFTNL_UDATA_SET_KEY_TYPEOF", "bin"),
            4: ("NFTNL_UDATA_SET_DATA_TYPEOF", "bin"), 5: ("NFTNL_UDATA_SET_EXPR", "bin"),
            6: ("NFTNL_UDATA_SET_DATA_INTERVAL", "u32h"), 7: ("NFTNL_UDATA_SET_COMMENT", "strz")},
    "elem": {0: ("NFTNL_UDATA_SET_ELEM_COMMENT", "strz"), 1: ("NFTNL_UDATA_SET_ELEM_FLAGS", "u32h")},
}


def msg_spec(op_name):
    for suffix in ("SETELEM", "FLOWTABLE", "TABLE", "CHAIN", "RULE", "SET", "GEN", "OBJ"):
        if op_name.endswith(suffix) or op_name.endswith(suffix + "_RESET"):
            return MSG_SPECS[suffix]
    return None


def hexs(b):
    return " ".join("%02x" % x for x in b)


def fmt_str(v):
    nul = v.endswith(b"\0")
    s = v[:-1] if nul else v
    try:
        txt = s.decode("utf-8")
    except UnicodeDecodeError:
        return hexs(v)
    return '"%s"%s' % (txt.replace("\\", "\\\\").replace('"', '\\"'), "" if nul else " (not NUL-terminated)")


def fmt_flags(val, names):
    parts, rest = [], val
    for bit, n in sorted(names.items()):
        if val & bit:
            parts.append(n)
            rest &= ~bit
    if rest:
        parts.append("0x%x" % rest)
    return "0x%08x (%s)" % (val, "|".join(parts) if parts else "0")


def decode_udata(v, what, indent, lines, base):
    names = UDATA_NAMES.get(what, {})
    off = 0
    while off < len(v):
        if len(v) - off < 2:
            lines.append("%s+%04x  trailing udata bytes %s" % (indent, base + off, hexs(v[off:])))
            return
        t, ln = v[off], v[off + 1]
        val = v[off + 2: off + 2 + ln]
        name, kind = names.get(t, ("udata_type_%d" % t, "bin"))
        if kind == "strz":
            shown = fmt_str(val)
        elif kind == "u32h" and ln == 4:
            n = struct.unpack("<I", val)[0]
            shown = "u32 host-endian(LE) = %d" % n
            if "BYTEORDER" in name:
                shown += " (%s)" % BYTEORDERS.get(n, "?")
        else:
            shown = hexs(val)
        lines.append("%s+%04x  udata type=%d (%s) len=%d: %s" % (indent, base + off, t, name, ln, shown))
        off += 2 + ln


def decode_attrs(buf, spec, indent, lines, base, ctx):
    off = 0
    while off < len(buf):
        if len(buf) - off < 4:
            lines.append("%s+%04x  trailing bytes %s" % (indent, base + off, hexs(buf[off:])))
            return
        nla_len, nla_type = struct.unpack_from("<HH", buf, off)
        if nla_len < 4 or off + nla_len > len(buf):
            lines.append("%s+%04x  BAD nla_len=%d" % (indent, base + off, nla_len))
            return
        num = nla_type & 0x3fff
        fl = []
        if nla_type & 0x8000:
            fl.append("NLA_F_NESTED")
        if nla_type & 0x4000:
            fl.append("NLA_F_NET_BYTEORDER")
        v = buf[off + 4: off + nla_len]
        spec = spec or {}
        name, kind, extra = spec.get(num) or spec.get("*") or ("attr_%d" % num, "bin", None)
        head = "%s+%04x  %s(%d)%s len=%d" % (indent, base + off, name, num,
                                             (" [" + "|".join(fl) + "]") if fl else "", nla_len)
        vbase = base + off + 4
        if kind == "str":
            lines.append("%s: %s" % (head, fmt_str(v)))
        elif kind in ("u32", "s32", "flags") and len(v) == 4:
            n = struct.unpack(">I", v)[0]
            if kind == "s32":
                n = struct.unpack(">i", v)[0]
            if kind == "flags":
                lines.append("%s: %s" % (head, fmt_flags(n, extra)))
            else:
                names = extra
                if extra == "hook":
                    names = HOOKS_NETDEV if ctx.get("family") == 5 else HOOKS_INET
                sym = (" (%s)" % names[n]) if isinstance(names, dict) and n in names else ""
                lines.append("%s: be32 %s%s" % (head, ("0x%08x" % n) if n >= 0 else str(n), sym))
        elif kind == "u64" and len(v) == 8:
            lines.append("%s: be64 %d" % (head, struct.unpack(">Q", v)[0]))
        elif kind == "u8" and len(v) == 1:
            lines.append("%s: u8 %d" % (head, v[0]))
        elif kind == "nest":
            lines.append(head)
            decode_attrs(v, extra, indent + "  ", lines, vbase, ctx)
        elif kind == "expr":
            lines.append(head)
            sub = dict(ctx)
            decode_attrs(v, EXPR_ATTR_SPEC, indent + "  ", lines, vbase, sub)
        elif kind == "exprdata":
            lines.append(head)
            decode_attrs(v, EXPR_SPECS.get(ctx.get("expr")), indent + "  ", lines, vbase, ctx)
        elif kind == "udata":
            lines.append("%s: %s" % (head, hexs(v)))
            decode_udata(v, extra, indent + "  ", lines, vbase)
        else:
            lines.append("%s: %s" % (head, hexs(v)))
        if name == "NFTA_EXPR_NAME":
            ctx["expr"] = v.rstrip(b"\0").decode("ascii", "replace")
        off += (nla_len + 3) & ~3


def decode_msg(msg, indent="#   ", header_included=False):
    """Comment lines describing msg. Offsets are relative to the bytes written
    to the fixture (payload only for sent messages, whole message for replies)."""
    lines = []
    base = 16 if header_included else 0
    if header_included:
        lines.append("%s+0000  nlmsghdr len=%d type=0x%04x flags=0x%04x seq=%d pid=%d"
                     % (indent, msg.len, msg.type, msg.flags, msg.seq, msg.pid))
    p = msg.payload
    if msg.type == NLMSG_ERROR:
        err = struct.unpack_from("<i", p, 0)[0]
        lines.append("%s+%04x  error=%d%s" % (indent, base, err, errname(err)))
        if len(p) >= 20:
            inner = Msg(p[4:20] + b"")
            lines.append("%s+%04x  original nlmsghdr len=%d type=0x%04x (%s) flags=0x%04x seq=%d"
                         % (indent, base + 4, inner.len, inner.type, type_name(inner.type), inner.flags, inner.seq))
        return lines
    if msg.type == NLMSG_DONE:
        if len(p) >= 4:
            lines.append("%s+%04x  int32 %d" % (indent, base, struct.unpack_from("<i", p, 0)[0]))
        return lines
    if len(p) < 4:
        return lines
    fam, ver, res = struct.unpack_from(">BBH", p, 0)
    lines.append("%s+%04x  nfgenmsg nfgen_family=%d (%s) version=%d res_id=be16 %d"
                 % (indent, base, fam, FAMILIES.get(fam, "?"), ver, res))
    op = msg.nft_op
    spec = msg_spec(NFT_MSG[op]) if op is not None and op < len(NFT_MSG) else None
    decode_attrs(p[4:], spec, indent, lines, base + 4, {"family": fam})
    return lines


def errname(err):
    if err == 0:
        return " (ACK)"
    e = -err
    return " (-%s: %s)" % (errno_mod.errorcode.get(e, "?"), os.strerror(e))


def hex_lines(b):
    return [" ".join("%02x" % x for x in b[i:i + 4]) for i in range(0, len(b), 4)]


def msg_title(m):
    fam = ""
    if m.type not in (NLMSG_ERROR, NLMSG_DONE) and len(m.payload) >= 4:
        f = m.payload[0]
        fam = " family=%s(%d)" % (FAMILIES.get(f, "?"), f)
    return "%s nlmsg_len=%d flags=%s seq=%d%s" % (type_name(m.type), m.len,
                                                   flag_names(m.type, m.flags), m.seq, fam)


def short(m):
    return "%s type=0x%04x flags=0x%04x (%s)" % (type_name(m.type).replace("NFT_MSG_", ""), m.type,
                                                   m.flags, flag_names(m.type, m.flags))


def read_meta(path):
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


# --------------------------------------------------------------------------
# send fixtures
# --------------------------------------------------------------------------

def nf_socket_fd(calls):
    """fd of nft's NETLINK_NETFILTER socket: the first fd sending nfnetlink traffic."""
    for c in calls:
        if c.is_send and c.ret > 0:
            m = split_netlink(c.data, "call@%d" % c.lineno)[0]
            if m.subsys == NFNL_SUBSYS_NFTABLES or m.type in (NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END):
                return c.fd
    raise SystemExit("no nfnetlink traffic in trace")


RTM = {16: "RTM_NEWLINK", 17: "RTM_DELLINK", 18: "RTM_GETLINK", 20: "RTM_NEWADDR", 22: "RTM_GETADDR"}


def short_any(m, fd, nf_fd):
    if fd == nf_fd:
        return short(m)
    return "%s type=0x%04x flags=0x%04x on another netlink socket (fd %d, NETLINK_ROUTE: nft's interface cache)" % (
        RTM.get(m.type, "rtnetlink"), m.type, m.flags, fd)


def do_send(a):
    calls = parse_strace(a.trace)
    nf_fd = nf_socket_fd(calls)
    batch_idx = [i for i, c in enumerate(calls)
                 if c.is_send and c.ret > 0 and c.fd == nf_fd and
                 split_netlink(c.data, "call@%d" % c.lineno)[0].type == NFNL_MSG_BATCH_BEGIN]
    if not batch_idx:
        raise SystemExit("%s: nft sent no NFNL_MSG_BATCH_BEGIN batch" % a.name)
    first, last = batch_idx[0], batch_idx[-1]

    pre = [short_any(m, c.fd, nf_fd) for c in calls[:first] if c.is_send and c.ret > 0
           for m in split_netlink(c.data, "pre")]
    post = [short_any(m, c.fd, nf_fd) for c in calls[last + 1:] if c.is_send and c.ret > 0
            for m in split_netlink(c.data, "post")]
    out_msgs, framing = [], []
    for i in batch_idx:
        for m in split_netlink(calls[i].data, "batch"):
            if m.type in (NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END):
                framing.append(m)
            else:
                out_msgs.append(m)
    # kernel answers to the batch: everything received after the first batch
    # sendmsg and before nft's next send
    answers = []
    for c in calls[first + 1:]:
        if c.fd != nf_fd:
            continue
        if c.is_send:
            break
        if c.ret > 0:
            answers.extend(split_netlink(c.data, "answer"))

    L = ["# nft " + a.cmd,
         "# case: " + a.name]
    L += ["# " + x if x else "#" for x in read_meta(a.meta)]
    L.append("# skipped before the batch (generation/cache requests, not part of the fixture): "
             + ("; ".join(pre) if pre else "none"))
    for m in framing:
        L.append("# skipped batch framing: %s seq=%d nfgenmsg=%s" % (short(m), m.seq, hexs(m.payload[:4])))
    seqs = [m.seq for m in out_msgs]
    L.append("# batch content: %d message(s), nlmsg_seq %s (seq values are nft's own counter, not part of the fixture)"
             % (len(out_msgs), ",".join(str(s) for s in seqs)))
    if len(batch_idx) > 1:
        L.append("# NOTE: nft sent %d separate batches; all their messages are listed in order" % len(batch_idx))
    if answers:
        for m in answers:
            if m.type == NLMSG_ERROR:
                err = struct.unpack_from("<i", m.payload, 0)[0]
                inner = Msg(m.payload[4:20]) if len(m.payload) >= 20 else None
                tgt = ""
                if inner:
                    idx = [k + 1 for k, om in enumerate(out_msgs) if om.seq == inner.seq]
                    tgt = " for seq=%d %s%s" % (inner.seq, type_name(inner.type),
                                                 (" (msg %d below)" % idx[0]) if idx else "")
                extra = ""
                tlv = m.payload[4 + (((inner.len + 3) & ~3) if inner and not (m.flags & 0x100) else 16):]
                o = 0
                while o + 4 <= len(tlv):
                    ln, t = struct.unpack_from("<HH", tlv, o)
                    if ln < 4:
                        break
                    if t == 2 and ln == 8:   # NLMSGERR_ATTR_OFFS
                        extra += ", NLMSGERR_ATTR_OFFS=%d" % struct.unpack_from("<I", tlv, o + 4)[0]
                    elif t == 1:
                        extra += ", NLMSGERR_ATTR_MSG=%s" % fmt_str(tlv[o + 4:o + ln])
                    o += (ln + 3) & ~3
                L.append("# kernel answer: NLMSG_ERROR error=%d%s%s%s" % (err, errname(err), tgt, extra))
            else:
                L.append("# kernel answer: %s" % short(m))
    else:
        L.append("# kernel answer: nothing (no NLM_F_ACK requested and no error) - batch accepted")
    L.append("# nft exit status: %s" % a.rc)
    if a.stderr and os.path.exists(a.stderr):
        with open(a.stderr, encoding="utf-8", errors="replace") as f:
            err_lines = [l.rstrip("\n") for l in f if l.strip()]
        for l in err_lines[:1]:
            L.append("# nft stderr: " + l)
    if post:
        L.append("# after the batch nft also sent (skipped): " + "; ".join(post))
    L.append("#")
    L.append("# Each 'msg' block: nlmsg_type/nlmsg_flags, then the bytes AFTER the 16-byte nlmsghdr")
    L.append("# (nfgenmsg first), 4 bytes per line. '+xxxx' offsets in the decode are relative to those bytes.")
    L.append("")
    for k, m in enumerate(out_msgs, 1):
        L.append("# [%d] %s" % (k, msg_title(m)))
        L += decode_msg(m)
        L.append("msg type=0x%04x flags=0x%04x" % (m.type, m.flags))
        L += hex_lines(m.payload)
        L.append("")
    write(a.out, L)


# --------------------------------------------------------------------------
# reply fixtures
# --------------------------------------------------------------------------

def do_reply(a):
    calls = parse_strace(a.trace)
    nf_fd = nf_socket_fd(calls)
    others = []
    exchanges = []     # (request Msg, [reply Msg])
    cur = None
    for c in calls:
        if c.ret <= 0:
            continue
        if c.fd != nf_fd:
            if c.is_send:
                others += [short_any(m, c.fd, nf_fd) for m in split_netlink(c.data, "other")]
            continue
        msgs = split_netlink(c.data, "call@%d" % c.lineno)
        if c.is_send:
            if len(msgs) != 1:
                raise SystemExit("unexpected multi-message request at line %d" % c.lineno)
            cur = (msgs[0], [])
            exchanges.append(cur)
        else:
            if cur is None:
                raise SystemExit("reply before any request at line %d" % c.lineno)
            for m in msgs:
                if m.seq != cur[0].seq:
                    raise SystemExit("reply seq %d does not match request seq %d (line %d)"
                                     % (m.seq, cur[0].seq, c.lineno))
            cur[1].extend(msgs)
    groups = {}
    for req, reps in exchanges:
        op = req.nft_op
        if op is None:
            raise SystemExit("non-nftables request 0x%04x" % req.type)
        groups.setdefault(NFT_MSG[op].lower(), []).append((req, reps))
    meta = read_meta(a.meta)
    order = [NFT_MSG[r.nft_op].replace("NFT_MSG_", "") for r, _ in exchanges]
    written = []
    for gname, exs in groups.items():
        L = ["# nft " + a.cmd,
             "# reply capture: every kernel message nft received for its %s request(s), nlmsghdr included"
             % gname.upper()]
        L += ["# " + x if x else "#" for x in meta]
        L.append("# request order of the whole `nft %s` run: %s" % (a.cmd, ", ".join(order)))
        if others:
            L.append("# also sent (not part of this fixture): " + "; ".join(others))
        L.append("# NLMSG_DONE (type=0x0003) messages ending each dump ARE included.")
        L.append("# nlmsg_pid (+12..15) of every reply = nft's netlink portid = its pid; capture.sh runs nft in a"
                 " private PID namespace, so it is stable across captures (here %d)"
                 % (exs[0][1][0].pid if exs[0][1] else -1))
        if gname == "getgen":
            L.append("# VOLATILE: NFTA_GEN_PROC_PID is nft's pid in the initial PID namespace and differs per capture run")
        if gname == "getset":
            L.append("# KERNEL-SPECIFIC: NFTA_SET_TYPE(19) is a backend identifier string generated by the kernel"
                     " (looks like a kernel address); expect it to differ on other kernels/boots - treat as opaque")
        if gname == "getsetelem":
            L.append("# NOTE: the pad byte after NFTA_SET_ELEM_LIST_TABLE in nft's GETSETELEM *request* (comment only)"
                     " is uninitialised memory in nft/libmnl and differs per run; the replies are stable")
        L.append("#")
        for k, (req, reps) in enumerate(exs, 1):
            L.append("# ---- request %d of %d: %s" % (k, len(exs), msg_title(req)))
            L.append("#   request bytes (full message): " + hexs(req.raw))
            for x in decode_msg(req, "#     ", True):
                L.append(x)
            L.append("#   %d reply message(s) follow" % len(reps))
            L.append("")
            for j, m in enumerate(reps, 1):
                L.append("# [%d.%d] %s pid=%d" % (k, j, msg_title(m), m.pid))
                L += decode_msg(m, header_included=True)
                L.append("msg type=0x%04x flags=0x%04x" % (m.type, m.flags))
                L += hex_lines(m.raw)
                L.append("")
        path = "%s-%s.golden" % (a.out_prefix, gname)
        write(path, L)
        written.append(path)
    for p in written:
        print(p)


def write(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["send", "reply"])
    ap.add_argument("--trace", required=True)
    ap.add_argument("--cmd", required=True)
    ap.add_argument("--name", default="")
    ap.add_argument("--out")
    ap.add_argument("--out-prefix")
    ap.add_argument("--meta")
    ap.add_argument("--rc", default="?")
    ap.add_argument("--stderr")
    a = ap.parse_args()
    if a.mode == "send":
        do_send(a)
    else:
        do_reply(a)


if __name__ == "__main__":
    main()
