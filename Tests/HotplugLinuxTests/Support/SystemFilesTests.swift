import Foundation
import Testing
@testable import HotplugLinux

/// `anyLine` is how the daemon reads /proc/net/unix to tell a live udevd
/// from the socket file a dead one left behind.
@Suite struct SystemFilesTests {
    private func withFile(_ text: String, _ body: (String) -> Void) throws {
        let path = NSTemporaryDirectory() + "hotplugd-lines-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        body(path)
    }

    @Test func findsALineAcrossChunkBoundaries() throws {
        // Longer than one 64 KiB read, with the wanted line straddling the boundary.
        let filler = String(repeating: "000000007fba7aae: 00000002 00000000 00000000 0002 03 754296\n", count: 1200)
        try withFile(filler + "000000007fba7aae: 00000002 00000000 00010000 0005 01 755317 /run/udev/control\n") { path in
            #expect(SystemFiles.anyLine(of: path) { $0.hasSuffix(" /run/udev/control") } == true)
        }
    }

    @Test func lastLineWithoutNewlineCounts() throws {
        try withFile("a\nb /run/udev/control") { path in
            #expect(SystemFiles.anyLine(of: path) { $0.hasSuffix(" /run/udev/control") } == true)
        }
    }

    @Test func overlongLinesAreSkippedNotTruncatedIntoAMatch() throws {
        let overlong = String(repeating: "x", count: 10_000) + " /run/udev/control\n"
        try withFile(overlong + "short line\n") { path in
            #expect(SystemFiles.anyLine(of: path, maxLineBytes: 4096) { $0.hasSuffix(" /run/udev/control") } == false)
        }
    }

    @Test func missingFileIsNil() {
        #expect(SystemFiles.anyLine(of: "/nonexistent/hotplugd") { _ in true } == nil)
    }

    @Test func onlyAListeningSocketAtExactlyThePathCounts() {
        let path = "/run/udev/control"
        #expect(UdevContext.isListening(unixSocketLine: "000000007fba7aae: 00000002 00000000 00010000 0005 01 755317 /run/udev/control", path: path))
        #expect(UdevContext.isListening(unixSocketLine: "0000000000000000: 00000002 00000000 00010000 0005 01    17 /run/udev/control", path: path),
                "the inode is padded with spaces")
        #expect(!UdevContext.isListening(unixSocketLine: "000000007fba7aae: 00000002 00000000 00010000 0005 01 755317 /tmp/x /run/udev/control", path: path))
        #expect(!UdevContext.isListening(unixSocketLine: "000000007fba7aae: 00000002 00000000 00010000 0005 01 755317  /run/udev/control", path: path),
                "a relative path that starts with a space")
        #expect(!UdevContext.isListening(unixSocketLine: "000000007fba7aae: 00000003 00000000 00000000 0005 03 755318 /run/udev/control", path: path),
                "connected, not listening")
        #expect(!UdevContext.isListening(unixSocketLine: "Num       RefCount Protocol Flags    Type St Inode Path", path: path))
        #expect(!UdevContext.isListening(unixSocketLine: "", path: path))
    }

    @Test func liveUdevdIsSeenInProcNetUnix() {
        // Where udevd runs (scripts/setup starts it), its listening socket is listed.
        guard UdevContext.controlSocketExists else { return }
        let listed = SystemFiles.anyLine(of: "/proc/net/unix") { UdevContext.isListening(unixSocketLine: $0, path: UdevContext.controlSocket) }
        #expect(listed != nil)
        #expect(UdevContext.udevdIsRunning == (listed ?? true))
    }
}
