import Foundation
import Testing
import TestSupport

/// `check` reads only regular files, holds a single file to the rules of its
/// directory, and warns about what depends on the machine (issue 16, items 9
/// and 10).
struct CheckStaticTests {
    /// A FIFO named x.toml used to block `check` (and `reload`) in open(2).
    @Test func aFIFOIsReportedNotRead() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.toml", "[match]\nsubsystem = \"net\"\n")
        #expect(mkfifo(directory.path + "/x.toml", 0o600) == 0)
        let result = try Shell.run(["/usr/bin/timeout", "10", HotplugdBinary.path, "check", "--allow-insecure-config",
                                    "--config", directory.path])
        #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("\(directory.path)/x.toml: not a regular file (a FIFO)"), "\(result.stderr)")
    }

    @Test func machineDependentProblemsAreWarningsWithTheirPosition() throws {
        let directory = try TemporaryDirectory()
        try directory.write("w.toml", """
            [match]
            subsystem = "net"
            [exec]
            command = ["/nonexistent/hotplugd-prog"]
            user = "hotplugd-no-such-user"
            """)
        try directory.write("p.toml", "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"hotplugd-no-such-prog\"]\n")
        let result = try HotplugdBinary.run("check", "--allow-insecure-config", "--config", directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(directory.path)/p.toml:4:12: warning: 'hotplugd-no-such-prog' is not found in the child's PATH"), "\(result.stderr)")
        #expect(result.stderr.contains("\(directory.path)/w.toml:4:12: warning: '/nonexistent/hotplugd-prog': No such file or directory"), "\(result.stderr)")
        #expect(result.stderr.contains("\(directory.path)/w.toml:5:8: warning: user hotplugd-no-such-user: no such user"), "\(result.stderr)")
    }

    /// A missing working directory fails every spawn: a warning, as for a
    /// missing program (issue 21, item 13).
    @Test func hdAMissingWorkingDirectoryIsAWarning() throws {
        let directory = try TemporaryDirectory()
        try directory.write("wd.toml", "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\nworking-directory = \"/nonexistent/hotplugd-wd\"\n")
        let result = try HotplugdBinary.run("check", "--allow-insecure-config", "--config", directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\(directory.path)/wd.toml:5:21: warning: working directory '/nonexistent/hotplugd-wd': No such file or directory; the child cannot start until it exists"), "\(result.stderr)")
    }

    @Test func kernelSourceNamesTheBindingAndKey() throws {
        let directory = try TemporaryDirectory()
        try directory.write("drv.toml", "[match]\nsubsystem = \"net\"\nproperty.ID_NET_DRIVER = \"veth\"\n")
        let kernel = try HotplugdBinary.run("check", "--allow-insecure-config", "--config", directory.path, "--source", "kernel")
        #expect(kernel.status == 0)
        #expect(kernel.stderr.contains("drv.toml:3:26: warning: binding 'drv': [match.property] ID_NET_DRIVER is set by udev"), "\(kernel.stderr)")
        let udev = try HotplugdBinary.run("check", "--allow-insecure-config", "--config", directory.path, "--source", "udev")
        #expect(!udev.stderr.contains("warning"), "\(udev.stderr)")
    }
}

/// `--config dir/file.toml` and `--config dir/` are held to the same rules.
@Suite(.needsRoot)
struct SingleFileConfigPermissionTests {
    @Test func aFileInAnOpenDirectoryIsRefusedLikeTheDirectory() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.toml", "[match]\nsubsystem = \"net\"\n")
        chmod(directory.path, 0o777)
        let whole = try HotplugdBinary.run("check", "--config", directory.path)
        let single = try HotplugdBinary.run("check", "--config", directory.path + "/a.toml")
        #expect(whole.status == 1)
        #expect(single.status == 1, "\(single.stdout)")
        #expect(single.stderr.contains("\(directory.path): refusing bindings writable by group or others"), "\(single.stderr)")
        chmod(directory.path, 0o755)
        #expect(try HotplugdBinary.run("check", "--config", directory.path + "/a.toml").status == 0)
    }

    /// Like /tmp: others may create files there but not replace root's.
    @Test func aFileInAStickyDirectoryIsAccepted() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.toml", "[match]\nsubsystem = \"net\"\n")
        chmod(directory.path, 0o1777)
        #expect(try HotplugdBinary.run("check", "--config", directory.path + "/a.toml").status == 0)
        #expect(try HotplugdBinary.run("check", "--config", directory.path).status == 1, "a whole directory anyone can add to")
    }
}
