import Foundation
import Testing
import TestSupport

/// Root makes the control socket and gives it a group: nobody who can write
/// where it lives may steer either step to a file of their choosing
/// (issue 21, item 3). The socket's directory must be root's (or the
/// daemon user's), writable by nobody else unless sticky, reached without
/// symlinks; the group is set through a descriptor of the socket itself.
@Suite(.needsRoot, .serialized)
struct ControlSocketSafetyTests {
    static let idle = "[match]\nsubsystem = \"net\"\nkernel = \"hdnomatch*\"\n"

    /// `hotplugd run` on the idle binding with `arguments`; ends within 10 s.
    static func run(_ fixture: DaemonFixture, _ arguments: [String]) throws -> Shell.Output {
        try Shell.run(["/usr/bin/timeout", "10", HotplugdBinary.path, "run", "--source", "kernel",
                       "--config", fixture.directory.path + "/bindings"] + arguments)
    }

    @Test(arguments: [0o777, 0o775, 0o757] as [mode_t])
    func hdSocketDirectoryOthersCanWriteIsRefused(mode: mode_t) throws {
        let fixture = try DaemonFixture(prefix: "hdsd")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": Self.idle])
        let directory = fixture.directory.path + "/open"
        #expect(mkdir(directory, 0o700) == 0 && chmod(directory, mode) == 0)
        let result = try Self.run(fixture, ["--socket", directory + "/control.sock"])
        #expect(result.status == 1, "mode \(String(mode, radix: 8)): exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("refusing the control socket's directory"), "\(result.stderr)")
        #expect(result.stderr.contains("writable by group or others"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/control.sock"))
    }

    @Test func hdSymlinkedSocketDirectoryIsRefused() throws {
        let fixture = try DaemonFixture(prefix: "hdsl")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": Self.idle])
        let real = fixture.directory.path + "/real"
        #expect(mkdir(real, 0o755) == 0)
        #expect(symlink(real, fixture.directory.path + "/link") == 0)
        let result = try Self.run(fixture, ["--socket", fixture.directory.path + "/link/control.sock"])
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("a symlink or not a directory"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: real + "/control.sock"))
    }

    /// A sticky directory like /tmp is fine: nobody else can rename or
    /// remove the socket root made there. The group is the one asked for,
    /// the mode 0660, and a file planted under a name the socket does not
    /// take is left as it was.
    @Test func hdSocketInAStickyDirectoryGetsItsGroupAndNothingElseDoes() throws {
        let fixture = try DaemonFixture(prefix: "hdsg")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": Self.idle])
        let shared = try SharedDirectory()
        let precious = shared.path + "/precious"
        try "precious\n".write(toFile: precious, atomically: false, encoding: .utf8)
        fixture.socketOverride = shared.path + "/control.sock"
        try fixture.start(["--socket-group", "nogroup"])
        var info = stat()
        #expect(lstat(fixture.socketPath, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_gid == getgrnam("nogroup")?.pointee.gr_gid)
        #expect(lstat(precious, &info) == 0 && info.st_gid == 0, "a file beside the socket keeps its group")
        #expect(try fixture.client("status").status == 0)
        #expect(fixture.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: fixture.socketPath), "the socket goes with the daemon")
    }
}
