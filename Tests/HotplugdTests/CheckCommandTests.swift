import Foundation
import Testing
import TestSupport

/// `hotplugd check` as a user runs it.
struct CheckCommandTests {
    @Test func examplesAreValid() throws {
        let result = try HotplugdBinary.run("check", "--config", HotplugdBinary.repositoryRoot + "/examples")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first?.hasPrefix("gamelink: match \"net\" usb-vendor \"067b\" usb-product \"25a1\"") == true)
    }

    /// The summary says what `[firewall]` will do (issue 21, item 16).
    @Test func ltSummaryIncludesTheFirewall() throws {
        let directory = try TemporaryDirectory()
        try directory.write("cable.toml", """
            [match]
            subsystem = "net"
            [firewall]
            input = "restrict"
            allow-tcp = [22, "8080-8090"]
            allow-icmp = true
            accept-mark = "0x4000"
            """)
        let result = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cable: match \"net\"; firewall: input restrict (tcp 22 8080-8090, icmp), forward open, mark 0x4000"),
                "\(result.stdout)")
    }

    @Test func typoIsReportedAtItsLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        try directory.write("cable.toml", "[match]\nsubsystem = \"net\"\n\n[exec]\ncommand = [\"/bin/true\"]\nstop-timout = \"3s\"\n")
        try directory.write("other.toml", "[match]\nsubsystem = \"net\"\n[link]\nmtu = \"big\"\n")
        let result = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory.path)/cable.toml:6:1: unknown key 'stop-timout' in [exec]; did you mean 'stop-timeout'?"))
        #expect(result.stderr.contains("\(directory.path)/other.toml:4:7: 'mtu' must be an integer, found a string"))
        #expect(result.stderr.contains("2 errors"))
    }

    @Test func missingConfigIsAnError() throws {
        let result = try HotplugdBinary.run("check", "--config", "/nonexistent/hotplugd")
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/hotplugd: cannot read configuration: No such file or directory"))
    }
}

/// As root, binding files anyone else can edit are refused (sshd's StrictModes).
@Suite(.needsRoot)
struct InsecureConfigTests {
    @Test func worldWritableOrForeignFilesAreRefusedUnlessAllowed() throws {
        let directory = try TemporaryDirectory()
        try directory.write("open.toml", "[match]\nsubsystem = \"net\"\n")
        try directory.write("foreign.toml", "[match]\nsubsystem = \"net\"\n")
        chmod(directory.path + "/open.toml", 0o666)
        chown(directory.path + "/foreign.toml", 65534, 65534)
        let refused = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(directory.path)/open.toml: refusing bindings writable by group or others (mode 666)"))
        #expect(refused.stderr.contains("\(directory.path)/foreign.toml: refusing bindings owned by uid 65534, not root"))
        let allowed = try HotplugdBinary.run("check", "--config", directory.path, "--allow-insecure-config")
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    @Test func writableDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.toml", "[match]\nsubsystem = \"net\"\n")
        chmod(directory.path, 0o777)
        let refused = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing bindings writable by group or others (mode 777)"))
    }

    @Test func runWithoutNetAdminWarns() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.toml", "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n")
        chmod(directory.path, 0o755)
        // The daemon's own socket directory: one others can write is refused.
        let socketDirectory = try TemporaryDirectory()
        chown(socketDirectory.path, 65534, 65534)
        chmod(socketDirectory.path, 0o755)
        let daemon = try RunningProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                         HotplugdBinary.path, "run", "--config", directory.path,
                                         "--socket", socketDirectory.path + "/control.sock"])
        defer { daemon.stop() }
        #expect(daemon.waitForLine(stderr: true) { $0.contains("running without CAP_NET_ADMIN") } != nil)
        #expect(daemon.waitForLine(stderr: true) { $0.contains("ready:") } != nil, "\(daemon.errorOutput)")
    }
}
