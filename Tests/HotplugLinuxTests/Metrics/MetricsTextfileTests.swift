import Foundation
import Testing
import TestSupport
@testable import HotplugLinux

/// The textfile is replaced whole, readable by node_exporter's user, and
/// nothing already in the directory is ever written through.
@Suite struct MetricsTextfileTests {
    @Test func eachWriteReplacesTheFileWhole() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-textfile")
        let path = directory.path + "/hotplugd.prom"
        let textfile = try MetricsTextfile(path: path)
        let before = umask(0o077)
        defer { umask(before) }
        try textfile.write("a 1\n")
        try textfile.write("a 2\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "a 2\n")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o644, "0644 whatever the umask")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["hotplugd.prom"])
    }

    /// A symlink under the temporary name (planted, or left over) is
    /// removed, not followed.
    @Test func aSymlinkUnderTheTemporaryNameIsNotFollowed() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-textfile")
        try directory.write("victim", "precious\n")
        let textfile = try MetricsTextfile(path: directory.path + "/hotplugd.prom")
        #expect(symlink(directory.path + "/victim", directory.path + "/" + textfile.temporaryName) == 0)
        try textfile.write("a 1\n")
        #expect(try String(contentsOfFile: directory.path + "/victim", encoding: .utf8) == "precious\n")
        #expect(try String(contentsOfFile: directory.path + "/hotplugd.prom", encoding: .utf8) == "a 1\n")
    }

    /// The temporary name cannot be foreseen: a directory planted under
    /// the name a daemon of this pid used to take stops nothing (issue 21,
    /// item 14).
    @Test func hdAPlantedTemporaryNameDoesNotFreezeTheFile() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-textfile")
        let textfile = try MetricsTextfile(path: directory.path + "/hotplugd.prom")
        #expect(mkdir(directory.path + "/.hotplugd.prom.\(getpid()).tmp", 0o755) == 0)
        try textfile.write("a 1\n")
        try textfile.write("a 2\n")
        #expect(try String(contentsOfFile: directory.path + "/hotplugd.prom", encoding: .utf8) == "a 2\n")
        let names = Set((0..<100).map { _ in textfile.temporaryName })
        #expect(names.count == 100, "every temporary name is new")
        #expect(names.allSatisfy { $0.hasPrefix(".hotplugd.prom.") && $0.hasSuffix(".tmp") && $0.count == ".hotplugd.prom.".count + 20 })
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporaryOne() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-textfile")
        let textfile = try MetricsTextfile(path: directory.path + "/hotplugd.prom")
        try textfile.write("a 1\n")
        // A directory under the name: the rename cannot replace it.
        let blocked = try MetricsTextfile(path: directory.path + "/sub")
        #expect(mkdir(directory.path + "/sub", 0o755) == 0)
        #expect(throws: MetricsTextfileError.self) { try blocked.write("b 1\n") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["hotplugd.prom", "sub"])
    }

    @Test(arguments: ["relative.prom", "/", "/tmp/.."])
    func refusesPathsThatNameNoFile(_ path: String) {
        #expect(throws: MetricsTextfileError.self) { try MetricsTextfile(path: path) }
    }
}
