import BPFKit
import BrowserModel
import Glibc
import Iterators
import Netlink
import ObjectModel

/// The exporter's collection: reads the system into an `ExporterSnapshot`
/// through the object model (the same functions `bpfnav progs/maps/links
/// --json`, `attached` and the browser use), then renders it.
///
/// Phases, cheapest and most wanted first: links, programs, pins (which
/// objects are bpfnav's own), maps, attachments, holders, BTF, entry
/// counts. The deadline is checked between phases and between objects; when
/// it passes, what was read is rendered and `bpfnav_scrape_truncated` is 1.
public enum Collector {
    public static func collect(_ configuration: ExporterConfiguration, budget: Double) -> Exposition {
        let collections = CollectionCounters.started()
        let deadline = Deadline(seconds: budget)
        let snapshot = read(configuration, deadline: deadline)
        let totals = CollectionCounters.add(errors: snapshot.errors)
        let body = ExpositionRenderer.render(snapshot, scrape: .init(duration: { deadline.elapsed },
                                                                      errorTotals: totals, collections: collections))
        return Exposition(body: body, truncated: snapshot.truncated, errors: snapshot.errorCount)
    }

    /// Why the entries of `typeName` maps (bpftool's name) cannot be
    /// counted, or nil when they can (for `--count-entries`).
    public static func entryCountRefusal(typeName: String) -> String? {
        MapEntryCount.refusal(typeName: typeName)
    }

    /// Reads the system within `deadline`.
    public static func read(_ configuration: ExporterConfiguration, deadline: Deadline) -> ExporterSnapshot {
        var reader = SnapshotReader(configuration: configuration, deadline: deadline)
        reader.read()
        return reader.snapshot
    }
}

/// The network namespaces of the exporter's collections, remembered from
/// one to the next (`NetNamespaceScanner`: only new processes are looked
/// at, all of them every 30 s).
enum NamespaceMemory {
    static let scanner = NetNamespaceScanner(rescanInterval: 30)

    static func scan() -> [NetNamespace] { scanner.scan() }
}

/// One collection's reading.
struct SnapshotReader {
    let configuration: ExporterConfiguration
    let deadline: Deadline
    var snapshot = ExporterSnapshot()

    /// Whether the deadline has passed; notes the truncation when it has.
    private mutating func outOfTime() -> Bool {
        if deadline.expired { snapshot.truncated = true }
        return snapshot.truncated
    }

    /// Runs `body` as phase `name`, timing it.
    private mutating func phase<T>(_ name: String, _ body: (inout SnapshotReader) -> T) -> T {
        let start = Deadline.monotonic()
        let result = body(&self)
        snapshot.phaseDurations[name, default: 0] += Double(Deadline.monotonic() - start) / 1e9
        return result
    }

    /// A list of `kind`, read while time is left; nil on failure (noted).
    private mutating func list<Entry>(_ operation: String,
                                      _ read: (() -> Bool) throws(BPFError) -> [Entry]) -> (entries: [Entry], whole: Bool)? {
        let deadline = self.deadline
        var cut = false
        do {
            let entries = try read { if deadline.expired { cut = true }; return !cut }
            if cut { snapshot.truncated = true }
            return (entries, !cut)
        } catch {
            snapshot.fail(operation, error.description)
            return nil
        }
    }

    mutating func read() {
        let ownMark = OwnObjects.mark
        guard !outOfTime() else { return }
        let links = phase("links") { $0.list("links") { more throws(BPFError) in try Objects.links(while: more) } }
        guard !outOfTime() else { return }
        let programs = phase("programs") {
            $0.list("programs") { more throws(BPFError) in try Objects.programs(metadata: false, while: more) }
        }
        guard !outOfTime() else { return }

        // Which objects are bpfnav's own: the ids this process loaded, and
        // what the manifests of its program caches record (as the browser).
        let pins = phase("pins") { _ in PinWalk.walkAll() }
        let pinIndex = ObjectReferences(pins: PinIndex(pins))
        var linkEntries = links?.entries ?? []
        for index in linkEntries.indices { pinIndex.apply(to: &linkEntries[index]) }
        let own = OwnObjectSet(noted: OwnObjects.all, programs: programs?.entries ?? [], links: linkEntries, pins: pins)
        if let programs, programs.whole {
            OwnObjects.forget(notIn: Set(programs.entries.map { .program($0.id) }), notedBefore: ownMark)
        }
        let shown: (BPFObjectRef) -> Bool = { [includeOwn = configuration.includeOwn] in
            includeOwn || !own.objects.contains($0)
        }
        guard !outOfTime() else { return take(programs, links: linkEntries, linksWhole: links?.whole, shown: shown, own: own) }

        let maps = phase("maps") { $0.list("maps") { more throws(BPFError) in try Objects.maps(while: more) } }
        if let maps {
            snapshot.ownCounts[ObjectKindLabel.map] = maps.entries.count { own.objects.contains(.map($0.id)) }
            let visible = maps.entries.filter { shown(.map($0.id)) }
            snapshot.maps = visible.map(MapSample.init)
            if maps.whole { snapshot.objectCounts[ObjectKindLabel.map] = visible.count }
        }

        // Where programs run; the links' devices and cgroups with them.
        var attachments: AttachmentIndex?
        if !outOfTime() {
            let listed = maps?.entries.map(\.info)
            let index = phase("attachments") { [linkEntries] _ in
                AttachmentIndex.collect(links: linkEntries, maps: listed, namespaces: NamespaceMemory.scan())
            }
            for error in index.errors { snapshot.fail("attachments", error) }
            for i in linkEntries.indices { index.place(&linkEntries[i]) }
            attachments = index
        }
        take(programs, links: linkEntries, linksWhole: links?.whole, shown: shown, own: own)
        if let attachments {
            let byID = Dictionary(linkEntries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let resolved = Dictionary(attachments.all.compactMap { a in a.linkID.map { ($0, a.target) } },
                                      uniquingKeysWith: { a, _ in a })
            snapshot.attachments = attachments.all.filter { shown(.program($0.programID)) }.map {
                AttachmentSample($0, link: $0.linkID.flatMap { byID[$0] })
            }
            // A tracing link's function, as the attachments resolved it.
            for i in snapshot.links.indices where snapshot.links[i].type == "tracing" {
                if let function = resolved[snapshot.links[i].id], let entry = byID[snapshot.links[i].id] {
                    snapshot.links[i] = LinkSample(entry, resolved: function)
                }
            }
        }

        guard !outOfTime() else { return }
        phase("holders") { $0.readHolders(shown: shown) }
        guard !outOfTime() else { return }
        do {
            let ids = try phase("btf") { _ in Result { () throws(BPFError) in try BPFObjectKind.btf.ids() } }.get()
            // An own program's or map's BTF is its alone when nothing shown uses it.
            let ownBTF = configuration.includeOwn ? [] : ownBTFs(programs?.entries ?? [], own: own)
            snapshot.objectCounts[ObjectKindLabel.btf] = ids.count { !ownBTF.contains($0) }
        } catch {
            snapshot.fail("btf", error.description)
        }
        phase("count_entries") { $0.countEntries() }
    }

    /// Programs and links into the snapshot, bpfnav's own left out unless asked.
    private mutating func take(_ programs: (entries: [ProgramEntry], whole: Bool)?, links: [LinkEntry],
                               linksWhole: Bool?, shown: (BPFObjectRef) -> Bool, own: OwnObjectSet) {
        if let programs {
            snapshot.ownCounts[ObjectKindLabel.program] = programs.entries.count { own.objects.contains(.program($0.id)) }
            let visible = programs.entries.filter { shown(.program($0.id)) }
            snapshot.programs = visible.map(ProgramSample.init)
            if programs.whole { snapshot.objectCounts[ObjectKindLabel.program] = visible.count }
        }
        if let linksWhole {
            snapshot.ownCounts[ObjectKindLabel.link] = links.count { own.objects.contains(.link($0.id)) }
            let visible = links.filter { shown(.link($0.id)) }
            snapshot.links = visible.map { LinkSample($0) }
            if linksWhole { snapshot.objectCounts[ObjectKindLabel.link] = visible.count }
        }
    }

    /// The processes holding objects, from the task and task_file iterators
    /// (as `bpfnav progs --json`'s pids). bpfnav's own process and objects
    /// are left out unless asked.
    private mutating func readHolders(shown: (BPFObjectRef) -> Bool) {
        if let reason = Features.current.unavailable(.taskFile) {
            snapshot.fail("holders", reason)
            return
        }
        do {
            let holders = try Holders.collect(loader: IterLoader(cache: ProgramCache.standard))
            let me = UInt32(getpid())
            let includeOwn = configuration.includeOwn
            let (samples, processes) = ProcessSample.summing(holders) { object, holder in
                includeOwn || (holder.pid != me && shown(object))
            }
            snapshot.processes = samples
            snapshot.holderProcesses = processes
        } catch let error as BPFError {
            snapshot.fail("holders", error.description)
        } catch {
            snapshot.fail("holders", "\(error)")
        }
    }

    private func ownBTFs(_ programs: [ProgramEntry], own: OwnObjectSet) -> Set<UInt32> {
        var ownIDs: Set<UInt32> = []
        var shownIDs: Set<UInt32> = []
        for program in programs where program.info.btfID != 0 {
            if own.objects.contains(.program(program.id)) {
                ownIDs.insert(program.info.btfID)
            } else {
                shownIDs.insert(program.info.btfID)
            }
        }
        return ownIDs.subtracting(shownIDs)
    }

    /// Entries of the maps whose type was asked for, and of small hash-like
    /// ones, while time is left. A map not finished in time gets no count
    /// (`uncountedMaps["budget"]`).
    private mutating func countEntries() {
        for index in snapshot.maps.indices
        where configuration.counts(type: snapshot.maps[index].type, maxEntries: snapshot.maps[index].maxEntries) {
            if snapshot.truncated || deadline.expired {
                snapshot.truncated = true
                snapshot.uncountedMaps["budget", default: 0] += 1
                continue
            }
            switch MapEntryCount.count(id: snapshot.maps[index].id, deadline: deadline) {
            case .counted(let n):
                snapshot.maps[index].entries = n
            case .outOfTime:
                snapshot.truncated = true
                snapshot.uncountedMaps["budget", default: 0] += 1
            case .failed(let message):
                snapshot.uncountedMaps["error", default: 0] += 1
                snapshot.fail("count_entries", message)
            }
        }
    }
}
