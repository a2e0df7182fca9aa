#!/usr/bin/env python3
"""Turn an strace log of one `tc` or `ip` run into a golden rtnetlink fixture.

Used by capture.sh in this directory (see README.md).  The bytes come only from
strace's full hex dumps (`-e write=all -e read=all`), read by ../parse_trace.py's
parser, which checks them against the syscall return values.  The attribute
decode written into `#` comments is informational only.

  parse_tc_trace.py send  --trace T --cmd CMD --name CASE --out FILE --types 44,45 [--pick 1] [--meta FILE]
  parse_tc_trace.py reply --trace T --cmd CMD --name CASE --out FILE --types 46 [--pick 1] [--meta FILE]

send:  the request messages whose type is in --types (--pick N: only the N-th of
       them), bytes after the 16-byte header.
reply: those requests (as comments) and every message the kernel answered them
       with, whole, header included, NLMSG_DONE and NLMSG_ERROR (ACK) too.
"""

import argparse
import errno as errno_mod
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from parse_trace import parse_strace, hex_lines  # noqa: E402

NLMSG_ERROR, NLMSG_DONE = 2, 3
TYPES = {
    2: "NLMSG_ERROR", 3: "NLMSG_DONE",
    16: "RTM_NEWLINK", 18: "RTM_GETLINK", 24: "RTM_NEWROUTE", 26: "RTM_GETROUTE",
    28: "RTM_NEWNEIGH", 30: "RTM_GETNEIGH", 36: "RTM_NEWQDISC", 37: "RTM_DELQDISC",
    38: "RTM_GETQDISC", 44: "RTM_NEWTFILTER", 45: "RTM_DELTFILTER", 46: "RTM_GETTFILTER",
    48: "RTM_NEWACTION", 49: "RTM_DELACTION", 50: "RTM_GETACTION",
}
FLAGS = [(0x01, "NLM_F_REQUEST"), (0x02, "NLM_F_MULTI"), (0x04, "NLM_F_ACK"), (0x08, "NLM_F_ECHO"),
         (0x10, "NLM_F_DUMP_INTR")]
NEW_FLAGS = [(0x100, "NLM_F_REPLACE"), (0x200, "NLM_F_EXCL"), (0x400, "NLM_F_CREATE"), (0x800, "NLM_F_APPEND")]
GET_FLAGS = [(0x100, "NLM_F_ROOT"), (0x200, "NLM_F_MATCH")]
HEADERS = {  # family header length by message type
    16: 16, 18: 16, 24: 12, 26: 12, 28: 12, 30: 12, 36: 20, 37: 20, 38: 20, 44: 20, 45: 20, 46: 20,
    48: 4, 49: 4, 50: 4,
}

TCA = {1: "TCA_KIND", 2: "TCA_OPTIONS", 3: "TCA_STATS", 4: "TCA_XSTATS", 5: "TCA_RATE", 6: "TCA_FCNT",
       7: "TCA_STATS2", 8: "TCA_STAB", 9: "TCA_PAD", 10: "TCA_DUMP_INVISIBLE", 11: "TCA_CHAIN",
       12: "TCA_HW_OFFLOAD", 13: "TCA_INGRESS_BLOCK", 14: "TCA_EGRESS_BLOCK", 15: "TCA_DUMP_FLAGS"}
FLOWER = {1: "CLASSID", 2: "INDEV", 3: "ACT", 4: "KEY_ETH_DST", 5: "KEY_ETH_DST_MASK", 6: "KEY_ETH_SRC",
          7: "KEY_ETH_SRC_MASK", 8: "KEY_ETH_TYPE", 9: "KEY_IP_PROTO", 10: "KEY_IPV4_SRC", 11: "KEY_IPV4_SRC_MASK",
          12: "KEY_IPV4_DST", 13: "KEY_IPV4_DST_MASK", 14: "KEY_IPV6_SRC", 15: "KEY_IPV6_SRC_MASK",
          16: "KEY_IPV6_DST", 17: "KEY_IPV6_DST_MASK", 22: "FLAGS", 75: "KEY_IP_TTL", 76: "KEY_IP_TTL_MASK",
          86: "IN_HW_COUNT"}
ACT = {1: "TCA_ACT_KIND", 2: "TCA_ACT_OPTIONS", 3: "TCA_ACT_INDEX", 4: "TCA_ACT_STATS", 5: "TCA_ACT_PAD",
       6: "TCA_ACT_COOKIE", 7: "TCA_ACT_FLAGS", 8: "TCA_ACT_HW_STATS", 9: "TCA_ACT_USED_HW_STATS",
       10: "TCA_ACT_IN_HW_COUNT"}
ACT_OPTS = {
    "mirred": {1: "TCA_MIRRED_TM", 2: "TCA_MIRRED_PARMS", 3: "TCA_MIRRED_PAD"},
    "pedit": {1: "TCA_PEDIT_TM", 2: "TCA_PEDIT_PARMS", 3: "TCA_PEDIT_PAD", 4: "TCA_PEDIT_PARMS_EX",
              5: "TCA_PEDIT_KEYS_EX", 6: "TCA_PEDIT_KEY_EX"},
    "csum": {1: "TCA_CSUM_PARMS", 2: "TCA_CSUM_TM", 3: "TCA_CSUM_PAD"},
    "gact": {1: "TCA_GACT_TM", 2: "TCA_GACT_PARMS", 3: "TCA_GACT_PROB", 4: "TCA_GACT_PAD"},
}
STATS = {1: "TCA_STATS_BASIC", 2: "TCA_STATS_RATE_EST", 3: "TCA_STATS_QUEUE", 4: "TCA_STATS_APP",
         5: "TCA_STATS_RATE_EST64", 6: "TCA_STATS_PAD", 7: "TCA_STATS_BASIC_HW", 8: "TCA_STATS_PKT64"}
RTA = {1: "RTA_DST", 2: "RTA_SRC", 3: "RTA_IIF", 4: "RTA_OIF", 5: "RTA_GATEWAY", 6: "RTA_PRIORITY",
       7: "RTA_PREFSRC", 8: "RTA_METRICS", 9: "RTA_MULTIPATH", 12: "RTA_CACHEINFO", 15: "RTA_TABLE",
       16: "RTA_MARK", 20: "RTA_PREF", 25: "RTA_UID"}
NDA = {1: "NDA_DST", 2: "NDA_LLADDR", 3: "NDA_CACHEINFO", 4: "NDA_PROBES", 8: "NDA_IFINDEX", 15: "NDA_PROTOCOL"}
IFLA = {1: "IFLA_ADDRESS", 2: "IFLA_BROADCAST", 3: "IFLA_IFNAME", 4: "IFLA_MTU", 5: "IFLA_LINK",
        16: "IFLA_OPERSTATE", 18: "IFLA_LINKINFO", 29: "IFLA_EXT_MASK"}


class Msg:
    def __init__(self, raw):
        self.raw = raw
        self.len, self.type, self.flags, self.seq, self.pid = struct.unpack_from("<IHHII", raw, 0)

    @property
    def payload(self):
        return self.raw[16:]


def split(data, where):
    """Messages of a datagram. iproute2 sends its whole request buffer, so zero bytes may follow the message."""
    msgs, off = [], 0
    while off + 16 <= len(data):
        ln = struct.unpack_from("<I", data, off)[0]
        if ln == 0 and not any(data[off:]):
            break
        if ln < 16 or off + ln > len(data):
            raise SystemExit("%s: bad nlmsg_len %d at offset %d" % (where, ln, off))
        msgs.append(Msg(bytes(data[off:off + ln])))
        off += (ln + 3) & ~3
    tail = data[off:]
    if any(tail):
        raise SystemExit("%s: %d non-zero trailing bytes" % (where, len(tail)))
    return msgs, len(tail)


def flag_text(m):
    names = [n for b, n in FLAGS if m.flags & b]
    extra = NEW_FLAGS if m.type in (16, 24, 28, 36, 44, 48) else GET_FLAGS if m.type in (18, 26, 30, 38, 46, 50) else []
    names += [n for b, n in extra if m.flags & b]
    if m.type == NLMSG_ERROR:
        names += [n for b, n in [(0x100, "NLM_F_CAPPED"), (0x200, "NLM_F_ACK_TLVS")] if m.flags & b]
    return "|".join(names) or "0"


def title(m):
    return "%s nlmsg_len=%d flags=%s" % (TYPES.get(m.type, "type_%d" % m.type), m.len, flag_text(m))


def attrs(buf):
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("<HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            return
        yield off, t & 0x3fff, bool(t & 0x8000), buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def value_text(v):
    if len(v) > 1 and v[-1] == 0 and all(32 <= c < 127 for c in v[:-1]):
        return '"%s"' % v[:-1].decode()
    return " ".join("%02x" % c for c in v)


def decode_attrs(buf, names, indent, base, lines, depth=0, ctx=None):
    for off, t, nested, v in attrs(buf):
        name = names.get(t, "attr %d" % t) if isinstance(names, dict) else names(t)
        container = is_container(name, ctx)
        shown = "" if container else ": " + value_text(v[:64]) + (" …" if len(v) > 64 else "")
        lines.append("%s+%04x  %s(%d)%s len=%d%s" % (indent, base + off, name, t, " [NLA_F_NESTED]" if nested else "",
                                                    len(v) + 4, shown))
        if container:
            sub, subctx = children(name, v, ctx)
            decode_attrs(v, sub, indent + "  ", base + off + 4, lines, depth + 1, subctx)


def is_container(name, ctx):
    return name in ("TCA_OPTIONS", "FLOWER_ACT", "ACTION", "TCA_ACT_OPTIONS", "TCA_ACT_STATS", "TCA_STATS2",
                    "TCA_PEDIT_KEYS_EX", "TCA_PEDIT_KEY_EX")


def children(name, v, ctx):
    if name == "TCA_OPTIONS":
        if ctx == "flower":
            return {k: ("FLOWER_ACT" if k == 3 else "TCA_FLOWER_" + n) for k, n in FLOWER.items()}, "flower"
        return {}, ctx
    if name == "FLOWER_ACT":
        return (lambda t: "ACTION"), None
    if name == "ACTION":
        kind = None
        for _, t, _, av in attrs(v):
            if t == 1:
                kind = av.rstrip(b"\0").decode()
        return ACT, kind
    if name == "TCA_ACT_OPTIONS":
        return ACT_OPTS.get(ctx, {}), ctx
    if name in ("TCA_ACT_STATS", "TCA_STATS2"):
        return STATS, None
    if name == "TCA_PEDIT_KEYS_EX":
        return {6: "TCA_PEDIT_KEY_EX"}, None
    if name == "TCA_PEDIT_KEY_EX":
        return {1: "TCA_PEDIT_KEY_EX_HTYPE", 2: "TCA_PEDIT_KEY_EX_CMD"}, None
    return {}, None


def decode(m, indent, header_included):
    base = 16 if header_included else 0
    lines = []
    p = m.payload
    if m.type == NLMSG_ERROR:
        err = struct.unpack_from("<i", p, 0)[0]
        lines.append("%s+%04x  error=%d%s" % (indent, base, err, " (ACK)" if err == 0 else " (-%s)" % errno_mod.errorcode.get(-err, "?")))
        return lines
    hl = HEADERS.get(m.type)
    if hl is None or len(p) < hl:
        return lines
    h = p[:hl]
    if hl == 20:
        fam, ifi, handle, parent, info = struct.unpack_from("<B3xiIII", h)
        lines.append("%s+%04x  tcmsg family=%d ifindex=%d handle=0x%x parent=0x%x info=0x%08x (prio %d, protocol 0x%04x)"
                     % (indent, base, fam, ifi, handle, parent, info, info >> 16, struct.unpack(">H", struct.pack("<H", info & 0xffff))[0]))
        kind = None
        for _, t, _, v in attrs(p[hl:]):
            if t == 1:
                kind = v.rstrip(b"\0").decode()
        decode_attrs(p[hl:], {k: ("TCA_OPTIONS" if k == 2 else n) for k, n in TCA.items()}, indent, base + hl, lines, ctx=kind)
    elif hl == 4:
        lines.append("%s+%04x  tcamsg family=%d" % (indent, base, p[0]))
        decode_attrs(p[hl:], {1: "FLOWER_ACT"}, indent, base + hl, lines)
    elif m.type in (16, 18):
        fam, typ, idx, fl, ch = struct.unpack_from("<BxHiII", h)
        lines.append("%s+%04x  ifinfomsg family=%d type=%d index=%d flags=0x%x change=0x%x" % (indent, base, fam, typ, idx, fl, ch))
        decode_attrs(p[hl:], IFLA, indent, base + hl, lines)
    elif m.type in (24, 26):
        f = struct.unpack_from("<8BI", h)
        lines.append("%s+%04x  rtmsg family=%d dst_len=%d src_len=%d tos=%d table=%d protocol=%d scope=%d type=%d flags=0x%x"
                     % ((indent, base) + f))
        decode_attrs(p[hl:], RTA, indent, base + hl, lines)
    elif m.type in (28, 30):
        fam, ifi, state, fl, typ = struct.unpack_from("<B3xiHBB", h)
        lines.append("%s+%04x  ndmsg family=%d ifindex=%d state=0x%x flags=0x%x type=%d" % (indent, base, fam, ifi, state, fl, typ))
        decode_attrs(p[hl:], NDA, indent, base + hl, lines)
    return lines


def read_trace(path):
    """
    The calls of the trace. iproute2 sizes each read with a recvmsg(MSG_PEEK|MSG_TRUNC) into no buffer, which
    returns a length but dumps no bytes: those calls are left out before ../parse_trace.py checks the others.
    """
    kept = path + ".nopeek"
    with open(path, encoding="latin-1") as src, open(kept, "w", encoding="latin-1") as dst:
        for line in src:
            if "recvmsg(" in line and "MSG_PEEK" in line and "iov_base=NULL" in line:
                continue
            dst.write(line)
    return parse_strace(kept)


def exchanges(calls, types):
    """(request, [answers]) for each request message of the wanted types, on whatever socket it went."""
    out, cur, skipped = [], {}, []
    for c in calls:
        if c.ret <= 0:
            continue
        msgs, _ = split(c.data, "line %d" % c.lineno)
        for m in msgs:
            if c.is_send:
                if m.type in types:
                    cur[(c.fd, m.seq)] = (m, [])
                    out.append(cur[(c.fd, m.seq)])
                else:
                    skipped.append(m)
            elif (c.fd, m.seq) in cur:
                cur[(c.fd, m.seq)][1].append(m)
    return out, skipped


def header(a, skipped):
    lines = ["# %s" % a.cmd, "# case: %s" % a.name]
    if a.meta and os.path.exists(a.meta):
        with open(a.meta, encoding="utf-8") as f:
            lines += ["# " + l.rstrip("\n") if l.strip() else "#" for l in f]
    if skipped:
        lines.append("# skipped (not part of the fixture): " + "; ".join(
            "%s flags=0x%04x" % (TYPES.get(m.type, "type_%d" % m.type), m.flags) for m in skipped))
    return lines


def answer_text(reps):
    for m in reps:
        if m.type == NLMSG_ERROR:
            err = struct.unpack_from("<i", m.payload, 0)[0]
            text = ""
            for _, t, _, v in attrs(m.payload[4 + 16:] if m.flags & 0x100 else b""):
                if t == 1:
                    text = ", NLMSGERR_ATTR_MSG=%s" % value_text(v)
            return "NLMSG_ERROR error=%d%s%s" % (err, " (ACK)" if err == 0 else " (-%s: %s)" % (
                errno_mod.errorcode.get(-err, "?"), os.strerror(-err)), text)
    return "%d message(s), no NLMSG_ERROR" % len(reps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["send", "reply"])
    ap.add_argument("--trace", required=True)
    ap.add_argument("--cmd", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--types", required=True)
    ap.add_argument("--pick", type=int, default=0)
    ap.add_argument("--meta")
    ap.add_argument("--rc", default="?")
    a = ap.parse_args()
    types = {int(t) for t in a.types.split(",")}
    ex, skipped = exchanges(read_trace(a.trace), types)
    if a.pick:
        if len(ex) < a.pick:
            raise SystemExit("%s: only %d wanted request(s), cannot pick #%d" % (a.name, len(ex), a.pick))
        skipped += [r for i, (r, _) in enumerate(ex, 1) if i != a.pick]
        ex = [ex[a.pick - 1]]
    if not ex:
        raise SystemExit("%s: no request of type %s in the trace" % (a.name, a.types))
    lines = header(a, skipped)
    lines.append("# exit status: %s" % a.rc)
    if a.mode == "send":
        for k, (req, reps) in enumerate(ex, 1):
            lines.append("# kernel answer to message %d: %s" % (k, answer_text(reps)))
        lines += ["#", "# Each 'msg' block: nlmsg_type/nlmsg_flags, then the bytes AFTER the 16-byte nlmsghdr (the family",
                  "# header first), 4 bytes per line. '+xxxx' offsets in the decode are relative to those bytes.", ""]
        for k, (req, _) in enumerate(ex, 1):
            lines.append("# [%d] %s" % (k, title(req)))
            lines += decode(req, "#   ", False)
            lines.append("msg type=0x%04x flags=0x%04x" % (req.type, req.flags))
            lines += hex_lines(req.payload)
            lines.append("")
    else:
        lines += ["#", "# Each 'msg' block is a whole message the kernel sent (nlmsghdr included); the request is a comment.",
                  "# nlmsg_seq and nlmsg_pid are tc's or ip's own and differ per capture.", ""]
        for k, (req, reps) in enumerate(ex, 1):
            lines.append("# ---- request %d: %s" % (k, title(req)))
            lines.append("#   request bytes (full message): " + " ".join("%02x" % b for b in req.raw))
            lines += decode(req, "#     ", True)
            lines.append("#   %d reply message(s) follow" % len(reps))
            lines.append("")
            for j, m in enumerate(reps, 1):
                lines.append("# [%d.%d] %s" % (k, j, title(m)))
                lines += decode(m, "#   ", True)
                lines.append("msg type=0x%04x flags=0x%04x" % (m.type, m.flags))
                lines += hex_lines(m.raw)
                lines.append("")
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
