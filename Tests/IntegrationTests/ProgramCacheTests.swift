import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

final class ProgramCacheTests: BPFTestCase {
    func testSecondLoaderReusesTheFirstLoadersPrograms() throws {
        let cache = ProgramCache(base: pinDirectory)
        let first = IterLoader(cache: cache)
        let loadedFD = try first.programFD(.task, .records)
        let loadedID = try ProgramInfo(fd: loadedFD).id
        XCTAssertTrue(BPFFS.isDirectory(cache.directory))
        XCTAssertEqual(try BPFFS.entries(of: cache.directory), ["bpfnav_task_rec", "bpfnav_task_txt"])

        let second = IterLoader(cache: cache)
        let cachedID = try ProgramInfo(fd: try second.programFD(.task, .records)).id
        XCTAssertEqual(cachedID, loadedID, "the second loader must use the pinned program, not load its own")
        // And it works: records of this process come out.
        let mine = try second.records(TaskRecord.self, .task, params: .pid(UInt32(getpid())))
        XCTAssertFalse(mine.isEmpty)
    }

    func testStaleCachesAreRemovedButForeignPinsKept() throws {
        // A cache of an "older build", made by bpfnav (so recorded in the
        // directory's manifest) under another hash.
        let stale = ProgramCache(base: pinDirectory, generation: "0000000000000000")
        _ = try IterLoader(cache: stale).programFD(.task, .text)
        XCTAssertEqual(try BPFFS.entries(of: stale.directory), ["bpfnav_task_rec", "bpfnav_task_txt"])
        // A stale directory holding something foreign, and one holding one
        // of bpfnav's programs pinned by someone else: its name proves
        // nothing, so it is kept too.
        let mixed = "\(pinDirectory)/progs-1111111111111111"
        try BPFFS.makeDirectory(mixed)
        let foreign = try BPFMap(type: .array, name: uniqueName("nav_cf"), keySize: 4, valueSize: 4, maxEntries: 1)
        try foreign.pin(at: "\(mixed)/theirs")
        let planted = "\(pinDirectory)/progs-2222222222222222"
        try BPFFS.makeDirectory(planted)
        try Catalog.load(.task).pinProgram("bpfnav_task_txt", at: "\(planted)/bpfnav_task_txt")

        let cache = ProgramCache(base: pinDirectory)
        _ = try IterLoader(cache: cache).programFD(.bpfMap, .text)
        XCTAssertFalse(BPFFS.isDirectory(stale.directory), "the stale cache is gone")
        XCTAssertEqual(try BPFFS.entries(of: mixed), ["theirs"], "a foreign pin is never removed")
        XCTAssertEqual(try BPFFS.entries(of: planted), ["bpfnav_task_txt"], "nor one named like bpfnav's")
        XCTAssertTrue(BPFFS.isDirectory(cache.directory))

        let removed = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertFalse(BPFFS.isDirectory(cache.directory), "unpin --all removes the cache")
        XCTAssertEqual(try BPFFS.entries(of: mixed), ["theirs"])
        XCTAssertEqual(try BPFFS.entries(of: planted), ["bpfnav_task_txt"])
    }

    /// On start (here: a dump command), generations of other builds are
    /// removed unless a running bpfnav holds them; the current one and
    /// anything not recorded as bpfnav's are kept.
    func testStaleGenerationsAreRemovedOnStartUnlessInUse() throws {
        let current = ProgramCache(base: pinDirectory)
        let running = IterLoader(cache: current)
        _ = try running.programFD(.task, .text)
        // Another build's browser, still running.
        let busy = ProgramCache(base: pinDirectory, generation: "3333333333333333")
        _ = try IterLoader(cache: busy).programFD(.task, .text)
        let hold = try XCTUnwrap(busy.hold())
        // An older build's cache, made while both are in use: its store
        // leaves them alone.
        let stale = ProgramCache(base: pinDirectory, generation: "0000000000000000")
        _ = try IterLoader(cache: stale).programFD(.task, .text)
        XCTAssertTrue(BPFFS.isDirectory(current.directory), "in use by a live loader: kept")
        XCTAssertTrue(BPFFS.isDirectory(busy.directory), "held: kept")
        withExtendedLifetime(running) {}
        let mixed = "\(pinDirectory)/progs-1111111111111111"
        try BPFFS.makeDirectory(mixed)
        let foreign = try BPFMap(type: .array, name: uniqueName("nav_cf"), keySize: 4, valueSize: 4, maxEntries: 1)
        try foreign.pin(at: "\(mixed)/theirs")
        XCTAssertTrue(BPFFS.isDirectory(stale.directory))

        let result = try bpfnav("maps", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(BPFFS.isDirectory(stale.directory), "an unused older generation is removed on start")
        XCTAssertEqual(try BPFFS.entries(of: busy.directory), ["bpfnav_task_rec", "bpfnav_task_txt"],
                       "a generation another bpfnav holds is kept")
        XCTAssertEqual(try BPFFS.entries(of: mixed), ["theirs"], "a foreign pin is never removed")
        XCTAssertTrue(BPFFS.isDirectory(current.directory))

        // Once its browser has gone, the next start removes it.
        withExtendedLifetime(hold) {}
        _ = consume hold
        let again = try bpfnav("maps", "--json")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(BPFFS.isDirectory(busy.directory), "no longer in use: removed")
        XCTAssertEqual(try BPFFS.entries(of: mixed), ["theirs"])
    }

    /// A planted program named like bpfnav's in a cache directory is never
    /// run: only programs the manifest records are.
    func testAnUnrecordedProgramInTheCacheIsNotUsed() throws {
        let cache = ProgramCache(base: pinDirectory)
        try BPFFS.makeDirectory(cache.directory)
        let object = try Catalog.load(.task)
        try object.pinProgram("bpfnav_task_rec", at: "\(cache.directory)/bpfnav_task_rec")
        let plantedID = try ProgramInfo(fd: try object.programFD("bpfnav_task_rec")).id
        var used = false
        if let fd = cache.program(.task, .records) { used = fd.raw >= 0 }
        XCTAssertFalse(used, "not recorded: not used")
        let loader = IterLoader(cache: cache)
        XCTAssertNotEqual(try ProgramInfo(fd: loader.programFD(.task, .records)).id, plantedID)
        let kept = try PinnedObject(path: "\(cache.directory)/bpfnav_task_rec")
        XCTAssertEqual(try ProgramInfo(fd: kept.fd.raw).id, plantedID, "and it is not replaced either: it is not bpfnav's to replace")
    }

    func testDumpCommandsFillTheCache() throws {
        let result = try bpfnav("maps", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let dirs = try BPFFS.entries(of: pinDirectory).filter { $0.hasPrefix("progs-") }
        XCTAssertEqual(dirs, ["progs-\(Catalog.hash)"])
    }
}

final class ProgramCacheTrustTests: BPFTestCase {
    /// A cache directory another user owns is neither used nor filled.
    func testCacheOfAnotherUserIsIgnored() throws {
        let base = "\(pinDirectory)/theirs"
        XCTAssertEqual(mkdir(base, 0o700), 0)
        let cache = ProgramCache(base: base)
        defer {
            // Two levels deep: removed here, not by tearDown.
            for name in (try? BPFFS.entries(of: cache.directory)) ?? [] { unlink("\(cache.directory)/\(name)") }
            rmdir(cache.directory)
            rmdir(base)
        }
        // Their cache, with one of bpfnav's programs in it.
        let object = try Catalog.load(.task)
        try BPFFS.makeDirectory(cache.directory)
        try object.pinProgram("bpfnav_task_rec", at: "\(cache.directory)/bpfnav_task_rec")
        let planted = try ProgramInfo(fd: object.programFD("bpfnav_task_rec")).id
        XCTAssertEqual(chown(base, 65534, 65534), 0)
        XCTAssertEqual(chown(cache.directory, 65534, 65534), 0)

        let loader = IterLoader(cache: cache)
        let used = try ProgramInfo(fd: loader.programFD(.task, .records)).id
        XCTAssertNotEqual(used, planted, "a program from another user's cache was used")
        XCTAssertEqual(try BPFFS.entries(of: cache.directory), ["bpfnav_task_rec"], "nothing was added to it")

        // Group- or world-writable: not trusted either, even if ours.
        XCTAssertEqual(chown(base, 0, 0), 0)
        XCTAssertEqual(chown(cache.directory, 0, 0), 0)
        XCTAssertEqual(chmod(cache.directory, 0o777), 0)
        let second = IterLoader(cache: cache)
        let again = try ProgramInfo(fd: second.programFD(.task, .records)).id
        XCTAssertNotEqual(again, planted)
        XCTAssertEqual(chmod(cache.directory, 0o700), 0)
        // Ours and private again: still not used, since bpfnav did not pin
        // it (its manifest does not record it), and not replaced either.
        let third = IterLoader(cache: cache)
        XCTAssertNotEqual(try ProgramInfo(fd: third.programFD(.task, .records)).id, planted)
        let kept = try PinnedObject(path: "\(cache.directory)/bpfnav_task_rec")
        XCTAssertEqual(try ProgramInfo(fd: kept.fd.raw).id, planted)
    }
}
