// BrowserModel is the terminal browser's model: what each page shows, as
// plain values (`BrowserSnapshot` rows, `BrowserDocument` pages, map entry
// pages from `BrowserMapPager`), and where they come from (`BrowserSource`:
// `LiveBrowserSource` reads the system through ObjectModel; tests build
// snapshots by hand). The TUI draws only what this module gives it. What does
// not belong here: curses, keys and layout (TUI), bpf(2) and libbpf calls
// (BPFKit), and anything the command line prints (BPFNavCLI).

import BPFKit
import Encoding
import ObjectModel

/// What the terminal browser shows: plain values, built by a `BrowserSource`
/// from the kernel (`LiveBrowserSource`) or by hand in tests.
///
/// Names and paths are kept as the kernel gave them (raw bytes or strings
/// that may hold control characters); whoever draws them escapes them
/// (`Escape.terminal`).

/// The browser's top-level lists, in navigator order (keys 1–6).
public enum BrowserSection: Int, CaseIterable, Sendable {
    case programs, maps, links, pins, tasks, attachments

    public var title: String {
        switch self {
        case .programs: "Programs"
        case .maps: "Maps"
        case .links: "Links"
        case .pins: "Pins"
        case .tasks: "Tasks"
        case .attachments: "Attached"
        }
    }
}

/// Something the browser can open.
public enum BrowserTarget: Hashable, Sendable {
    /// A program, map or link. (The browser lists no BTF objects: nothing
    /// opens one.)
    case object(BPFObjectRef)
    /// A bpffs path (exact bytes).
    case pin([UInt8])
    /// A process (thread group id).
    case task(UInt32)
    /// A place programs run: a device in its namespace, a cgroup, a hook
    /// (`AttachmentEntry.group`).
    case place(String)

    public static func program(_ id: UInt32) -> BrowserTarget { .object(.program(id)) }
    public static func map(_ id: UInt32) -> BrowserTarget { .object(.map(id)) }
    public static func link(_ id: UInt32) -> BrowserTarget { .object(.link(id)) }
}

extension BrowserTarget: CustomStringConvertible {
    /// "program(10)", "pin([47, 120])", "task(300)": the form the enum had
    /// when each object kind was its own case.
    public var description: String {
        switch self {
        case .object(let object): "\(object.kind.name)(\(object.id))"
        case .pin(let path): "pin(\(path))"
        case .task(let pid): "task(\(pid))"
        case .place(let group): "place(\(group))"
        }
    }
}

/// Everything the lists show, collected in one go.
public struct BrowserSnapshot: Sendable {
    /// `uname -r`.
    public var kernelRelease: String
    public var programs: [ProgramEntry]
    public var maps: [MapEntry]
    public var links: [LinkEntry]
    public var pins: [PinEntry]
    public var tasks: [TaskEntry]
    /// Every place every program runs, by group (device, cgroup, hook).
    public var attachments: [AttachmentEntry]
    /// Why a section could not be listed (it is then empty).
    public var errors: [BrowserSection: String]
    /// Notes that do not empty a section ("pids unavailable: …").
    public var notices: [String]
    /// Whether bpfnav's run statistics were on while this was collected.
    public var runStats: Bool
    /// bpfnav's own objects among the lists' (hidden unless `O`).
    public var own = OwnObjectSet()
    /// When the programs were read (CLOCK_MONOTONIC seconds); nil from a
    /// source that does not say (the browser then takes its own clock).
    public var time: Double?

    public init(kernelRelease: String = "", programs: [ProgramEntry] = [], maps: [MapEntry] = [],
                links: [LinkEntry] = [], pins: [PinEntry] = [], tasks: [TaskEntry] = [],
                attachments: [AttachmentEntry] = [],
                errors: [BrowserSection: String] = [:], notices: [String] = [], runStats: Bool = false) {
        self.kernelRelease = kernelRelease; self.programs = programs; self.maps = maps; self.links = links
        self.pins = pins; self.tasks = tasks; self.attachments = attachments; self.errors = errors; self.notices = notices; self.runStats = runStats
    }

    public func count(_ section: BrowserSection) -> Int {
        switch section {
        case .programs: programs.count
        case .maps: maps.count
        case .links: links.count
        case .pins: pins.count
        case .tasks: tasks.count
        case .attachments: attachments.count
        }
    }

    public func program(_ id: UInt32) -> ProgramEntry? { programs.first { $0.id == id } }
    public func map(_ id: UInt32) -> MapEntry? { maps.first { $0.id == id } }
    public func link(_ id: UInt32) -> LinkEntry? { links.first { $0.id == id } }
    public func pin(_ path: [UInt8]) -> PinEntry? { pins.first { $0.path == path } }
    public func task(_ pid: UInt32) -> TaskEntry? { tasks.first { $0.pid == pid } }
    public func place(_ group: String) -> [AttachmentEntry] { attachments.filter { $0.group == group } }
}
