import BPFKit
import Encoding
import Formatting
import ObjectModel
import Platform
import Glibc
import Iterators

/// Programs, maps, links and pins as JSON, with bpftool's field names and
/// shapes (`bpftool prog|map|link show -j`), so jq scripts carry over.
///
/// Differences, all additions: `pinned` and `pids` are always present
/// (bpftool prints them only when non-empty), `name` is always present,
/// programs carry `verified_insns`, tracepoint links `format`. A field the
/// running kernel did not return (an older kernel's shorter info struct) is
/// left out, as bpftool leaves out what it does not have.
enum ObjectJSON {
    // MARK: - Any presentable object

    /// `entry` as one JSON object: its presentation's fields in order,
    /// those without a value left out.
    static func object<Entry: Presentable>(_ entry: Entry, _ out: Output) {
        out.append(byte: UInt8(ascii: "{"))
        var first = true
        for field in Entry.presentation.json {
            guard let value = field.value(entry) else { continue }
            if case .fields(let fields) = value {
                for (name, value) in fields {
                    guard let value else { continue }
                    key(name, first: &first, out)
                    self.value(value, out)
                }
                continue
            }
            key(field.key, first: &first, out)
            self.value(value, out)
        }
        out.append(byte: UInt8(ascii: "}"))
    }

    static func program(_ p: ProgramEntry, _ out: Output) { object(p, out) }

    /// `"key":`, after a comma unless it is the object's first.
    @inline(__always)
    static func key(_ key: StaticString, first: inout Bool, _ out: Output) {
        if first { first = false } else { out.append(byte: 0x2c) }
        out.append(byte: 0x22); out.append(key); out.append(byte: 0x22); out.append(byte: 0x3a)
    }

    static func value(_ value: JSONValue, _ out: Output) {
        switch value {
        case .string(let text): string(text, out)
        case .bytes(let bytes): Escape.appendJSONString(bytes, to: out)
        case .unsigned(let number): out.append(number)
        case .signed(let number): out.append(number)
        case .bool(let flag): bool(flag, out)
        case .ids(let ids):
            out.append(byte: UInt8(ascii: "["))
            for (i, id) in ids.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                out.append(id)
            }
            out.append(byte: UInt8(ascii: "]"))
        case .byteStrings(let strings):
            out.append(byte: UInt8(ascii: "["))
            for (i, bytes) in strings.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                Escape.appendJSONString(bytes, to: out)
            }
            out.append(byte: UInt8(ascii: "]"))
        case .holders(let holders):
            out.append(byte: UInt8(ascii: "["))
            for (i, holder) in holders.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                out.append("{\"pid\":"); out.append(holder.pid)
                out.append(",\"comm\":"); Escape.appendJSONString(holder.comm, to: out)
                out.append(byte: UInt8(ascii: "}"))
            }
            out.append(byte: UInt8(ascii: "]"))
        case .json(let text): out.write(text)
        case .array(let values):
            out.append(byte: UInt8(ascii: "["))
            for (i, element) in values.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                self.value(element, out)
            }
            out.append(byte: UInt8(ascii: "]"))
        case .object(let fields):
            out.append(byte: UInt8(ascii: "{"))
            var first = true
            for (name, element) in fields {
                guard let element else { continue }
                if first { first = false } else { out.append(byte: 0x2c) }
                string(name, out); out.append(byte: 0x3a)
                self.value(element, out)
            }
            out.append(byte: UInt8(ascii: "}"))
        case .fields:
            break  // written by `fields`, into the enclosing object
        }
    }

    // MARK: - Maps

    static func map(_ m: MapEntry, _ out: Output) {
        let info = m.info
        out.append("{\"id\":"); out.append(info.id)
        out.append(",\"type\":"); string(info.typeName, out)
        out.append(",\"name\":"); string(info.name, out)
        out.append(",\"flags\":"); out.append(info.flags)
        out.append(",\"bytes_key\":"); out.append(info.keySize)
        out.append(",\"bytes_value\":"); out.append(info.valueSize)
        out.append(",\"max_entries\":"); out.append(info.maxEntries)
        if let memlock = info.bytesMemlock {
            out.append(",\"bytes_memlock\":"); out.append(memlock)
        }
        if let owner = m.ownerProgramType {
            out.append(",\"owner_prog_type\":"); string(ProgramType.name(owner), out)
        }
        if let jited = m.ownerJited {
            out.append(",\"owner_jited\":"); bool(jited, out)
        }
        out.append(",\"frozen\":"); out.append(UInt64(info.frozen ? 1 : 0))
        if info.btfID != 0 {
            out.append(",\"btf_id\":"); out.append(info.btfID)
        }
        references(m.pinned, m.pids, out)
        out.append("}")
    }

    // MARK: - Links

    static func link(_ l: LinkEntry, _ out: Output) {
        let info = l.info
        out.append("{\"id\":"); out.append(info.id)
        out.append(",\"type\":"); string(info.typeName, out)
        out.append(",\"prog_id\":"); out.append(info.programID)
        linkDetails(info.details, programType: l.programType, tracepointFormat: l.tracepointFormat, out)
        references(l.pinned, l.pids, out)
        out.append("}")
    }

    /// The per-type fields of a link, each starting with a comma.
    static func linkDetails(_ details: LinkDetails, programType: UInt32?, tracepointFormat: TracepointFormat?,
                            _ out: Output) {
        switch details {
        case .rawTracepoint(let name):
            out.append(",\"tp_name\":"); string(name, out)
        case .tracing(let attachType, let targetObjectID, let targetBTFID):
            if let programType {
                out.append(",\"prog_type\":"); string(ProgramType.name(programType), out)
            }
            attach(attachType, out)
            out.append(",\"target_obj_id\":"); out.append(targetObjectID)
            out.append(",\"target_btf_id\":"); out.append(targetBTFID)
        case .cgroup(let cgroupID, let attachType):
            out.append(",\"cgroup_id\":"); out.append(cgroupID)
            attach(attachType, out)
        case .iter(let target, let mapID, let cgroupID, let order, let tid, let pid):
            out.append(",\"target_name\":"); string(target, out)
            if target == "bpf_map_elem" || target == "bpf_sk_storage_map" {
                out.append(",\"map_id\":"); out.append(mapID)
            } else if target == "task" || target == "task_file" || target == "task_vma" {
                if tid != 0 {
                    out.append(",\"tid\":"); out.append(tid)
                } else if pid != 0 {
                    out.append(",\"pid\":"); out.append(pid)
                }
            }
            if target == "cgroup" {
                out.append(",\"cgroup_id\":"); out.append(cgroupID)
                out.append(",\"order\":"); string(LinkSummary.cgroupIterOrder(order), out)
            }
        case .netns(let inode, let attachType):
            out.append(",\"netns_ino\":"); out.append(inode)
            attach(attachType, out)
        case .xdp(let ifindex):
            device(ifindex, out)
        case .structOps(let mapID):
            out.append(",\"map_id\":"); out.append(mapID)
        case .netfilter(let family, let hook, let priority, let flags):
            out.append(",\"pf\":"); out.append(family)
            out.append(",\"hook\":"); out.append(hook)
            out.append(",\"prio\":"); out.append(Int64(priority))
            out.append(",\"flags\":"); out.append(flags)
        case .kprobeMulti(let count, let flags, let missed):
            out.append(",\"retprobe\":"); bool(flags & 1 != 0, out)
            out.append(",\"func_cnt\":"); out.append(count)
            optional("missed", missed, out)
        case .uprobeMulti(let path, let count, let flags, let pid):
            out.append(",\"retprobe\":"); bool(flags & 1 != 0, out)
            out.append(",\"path\":"); string(path, out)
            out.append(",\"func_cnt\":"); out.append(count)
            out.append(",\"pid\":"); out.append(pid)
        case .perfEvent(let event):
            switch event {
            case .kprobe(let function, let offset, let address, let missed, let retprobe, _):
                out.append(",\"retprobe\":"); bool(retprobe, out)
                out.append(",\"addr\":"); out.append(address)
                out.append(",\"func\":"); string(function, out)
                out.append(",\"offset\":"); out.append(offset)
                optional("missed", missed, out)
            case .uprobe(let file, let offset, let retprobe, _, let refCtrOffset):
                out.append(",\"retprobe\":"); bool(retprobe, out)
                out.append(",\"file\":"); string(file, out)
                out.append(",\"offset\":"); out.append(offset)
                optional("ref_ctr_offset", refCtrOffset, out)
            case .tracepoint(let name, _):
                out.append(",\"tracepoint\":"); string(name, out)
                if let tracepointFormat { format(tracepointFormat, out) }
            case .event(let config, let type, _):
                out.append(",\"event_type\":")
                if let name = PerfEventNames.type(type) { string(name, out) } else { out.append(type) }
                out.append(",\"event_config\":")
                if let name = PerfEventNames.config(type: type, config: config) { string(name, out) } else { out.append(config) }
            case .notReported:
                break  // nothing known: no fields, as for info the kernel did not return
            case .unknown(let type):
                out.append(",\"perf_event_type\":"); out.append(type)
            }
            optional("cookie", event.cookie, out)
        case .tcx(let ifindex, let attachType), .netkit(let ifindex, let attachType):
            device(ifindex, out)
            attach(attachType, out)
        case .sockmap(let mapID, let attachType):
            out.append(",\"map_id\":"); out.append(mapID)
            attach(attachType, out)
        case .unknown:
            break
        }
    }

    static func attach(_ attachType: UInt32, _ out: Output) {
        out.append(",\"attach_type\":"); string(AttachType.name(attachType), out)
    }

    /// bpftool's `devname` + `ifindex`: "(detached)" for index 0,
    /// "(unknown)" when no interface has the index.
    static func device(_ ifindex: UInt32, _ out: Output) {
        out.append(",\"devname\":"); string(LinkSummary.deviceName(ifindex), out)
        out.append(",\"ifindex\":"); out.append(ifindex)
    }



    /// The tracepoint's record layout from tracefs.
    static func format(_ f: TracepointFormat, _ out: Output) {
        out.append(",\"format\":{\"group\":"); string(f.group, out)
        out.append(",\"name\":"); string(f.name, out)
        if let id = f.id {
            out.append(",\"id\":"); out.append(id)
        }
        out.append(",\"fields\":[")
        for (i, field) in f.fields.enumerated() {
            if i > 0 { out.append(byte: 0x2c) }
            out.append("{\"name\":"); string(field.name, out)
            out.append(",\"declaration\":"); string(field.declaration, out)
            out.append(",\"offset\":"); out.append(field.offset)
            out.append(",\"size\":"); out.append(field.size)
            out.append(",\"signed\":"); bool(field.isSigned, out)
            out.append("}")
        }
        out.append("]}")
    }

    // MARK: - Pins

    /// One entry of `bpfnav pins`.
    static func pin(_ e: PinEntry, _ out: Output) {
        out.append("{\"path\":"); Escape.appendJSONString(e.path, to: out)
        out.append(",\"kind\":"); string(e.kind.name, out)
        switch e.kind {
        case .directory:
            if e.errno != 0 {
                out.append(",\"errno\":"); string(Errno.name(e.errno), out)
                out.append(",\"error\":"); string(Errno.describe(e.errno), out)
            }
        case .object(.program):
            if let p = e.program {
                out.append(",\"id\":"); out.append(p.id)
                out.append(",\"type\":"); string(p.typeName, out)
                out.append(",\"name\":"); string(p.name, out)
                out.append(",\"tag\":"); string(p.tag, out)
            }
        case .object(.map):
            if let m = e.map {
                out.append(",\"id\":"); out.append(m.id)
                out.append(",\"type\":"); string(m.typeName, out)
                out.append(",\"name\":"); string(m.name, out)
            }
        case .object(.link):
            if let l = e.link {
                out.append(",\"id\":"); out.append(l.id)
                out.append(",\"type\":"); string(l.typeName, out)
                out.append(",\"prog_id\":"); out.append(l.programID)
                if let name = e.linkProgramName {
                    out.append(",\"prog_name\":"); string(name, out)
                }
                linkDetails(l.details, programType: nil, tracepointFormat: nil, out)
            }
        case .symlink:
            out.append(",\"target\":"); Escape.appendJSONString(e.symlinkTarget ?? [], to: out)
        case .other, .object(.btf):
            break
        case .unreadable:
            out.append(",\"errno\":"); string(Errno.name(e.errno), out)
            out.append(",\"error\":"); string(Errno.describe(e.errno), out)
        }
        if e.kind != .directory {
            out.append(",\"owner\":"); string(e.owner.isBPFNav ? "bpfnav" : "foreign", out)
        }
        switch e.owner {
        case .foreign:
            break
        case .iterator(let kind, let format, let params):
            out.append(",\"bpfnav\":{\"kind\":"); string(kind.pinPrefix, out)
            out.append(",\"target\":"); string(kind.target, out)
            out.append(",\"format\":"); string(formatName(format), out)
            switch params {
            case .pid(let pid): out.append(",\"pid\":"); out.append(pid)
            case .tid(let tid): out.append(",\"tid\":"); out.append(tid)
            case .all, .mapFD: break
            }
            out.append("}")
        case .programCache(let kind, let format):
            out.append(",\"bpfnav\":{\"kind\":"); string(kind.pinPrefix, out)
            out.append(",\"target\":"); string(kind.target, out)
            out.append(",\"format\":"); string(formatName(format), out)
            out.append(",\"cache\":true}")
        case .demo:
            out.append(",\"bpfnav\":{\"demo\":true}")
        case .featureCache:
            out.append(",\"bpfnav\":{\"features\":true,\"cache\":true}")
        case .manifest:
            out.append(",\"bpfnav\":{\"manifest\":true}")
        }
        out.append("}")
    }

    // MARK: - Pieces

    static func formatName(_ format: IterFormat) -> String {
        switch format {
        case .text: "text"
        case .records: "records"
        case .bpfObjects: "bpf_objects"
        }
    }

    /// `"pinned":[paths…],"pids":[{"pid":N,"comm":"…"}…]`, exact bytes.
    static func references(_ pinned: [[UInt8]], _ pids: [Holder], _ out: Output) {
        out.append(",\"pinned\":[")
        for (i, path) in pinned.enumerated() {
            if i > 0 { out.append(byte: 0x2c) }
            Escape.appendJSONString(path, to: out)
        }
        out.append("],\"pids\":[")
        for (i, holder) in pids.enumerated() {
            if i > 0 { out.append(byte: 0x2c) }
            out.append("{\"pid\":"); out.append(holder.pid)
            out.append(",\"comm\":"); Escape.appendJSONString(holder.comm, to: out)
            out.append("}")
        }
        out.append("]")
    }

    static func string(_ text: String, _ out: Output) {
        Escape.appendJSONString(Array(text.utf8), to: out)
    }

    /// `,"key":value`, or nothing when the kernel did not return the field.
    static func optional(_ key: String, _ value: UInt64?, _ out: Output) {
        guard let value else { return }
        out.append(byte: 0x2c); string(key, out); out.append(byte: 0x3a); out.append(value)
    }

    static func bool(_ value: Bool, _ out: Output) {
        if value { out.append("true") } else { out.append("false") }
    }
}

